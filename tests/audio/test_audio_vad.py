"""Voice activity detection and utterance segmentation (audio.vad) on generated audio."""

from __future__ import annotations

import numpy as np
import pytest
from audio_testkit import add_noise, cough, onset, silence

from audio.resample import resample
from audio.vad import FRAME_SAMPLES, SAMPLE_RATE, VadEvent, VoiceActivityDetector

PHRASE = "show me sleeping bags under one hundred fifty dollars"


def run(vad: VoiceActivityDetector, pcm: np.ndarray, block: int = FRAME_SAMPLES) -> tuple[list[VadEvent], int]:
    """Feed ``pcm`` in blocks; return the events and the largest ``voiced_ms`` seen."""
    events: list[VadEvent] = []
    most = 0
    for i in range(0, pcm.size, block):
        events += vad.feed(pcm[i : i + block])
        most = max(most, vad.voiced_ms)
    return events + vad.flush(), most


@pytest.fixture(scope="module")
def phrase16k(speech) -> np.ndarray:  # type: ignore[no-untyped-def]
    pcm, rate = speech.pcm(PHRASE, "vad_phrase")
    return resample(pcm, rate, SAMPLE_RATE)


@pytest.mark.parametrize("snr_db", [None, 20])
def test_phrase_with_silence_around_is_one_utterance(phrase16k: np.ndarray, snr_db: float | None) -> None:
    lead_ms, tail_ms = 1000, 1500
    signal = np.concatenate([silence(SAMPLE_RATE, lead_ms), phrase16k, silence(SAMPLE_RATE, tail_ms)])
    if snr_db is not None:
        signal = add_noise(signal, snr_db)
    first = onset(phrase16k, 1000)
    last = phrase16k.size - (onset(phrase16k[::-1], 1000) or 0)
    assert first is not None
    speech_on = lead_ms + first * 1000 // SAMPLE_RATE
    speech_off = lead_ms + last * 1000 // SAMPLE_RATE

    events, _ = run(VoiceActivityDetector(aggressiveness=2), signal)

    assert [e.kind for e in events] == ["speech_started", "speech_ended"]
    started, ended = events
    # Started after 200 ms of voiced frames, so shortly after the real onset (not before it).
    assert speech_on + 150 <= started.time_ms <= speech_on + 400
    # Ended after 500 ms of silence (webrtcvad's own hangover adds a little).
    assert speech_off + 450 <= ended.time_ms <= speech_off + 800
    assert not ended.forced
    # The audio starts ~200 ms before the first voiced frame and covers the whole phrase.
    assert speech_on - 300 <= ended.start_ms <= speech_on - 150
    audio = np.frombuffer(ended.audio, dtype=np.int16)
    assert ended.start_ms + audio.size * 1000 // SAMPLE_RATE >= speech_off
    assert ended.voiced_ms >= 0.7 * (speech_off - speech_on)


def test_block_size_does_not_matter(phrase16k: np.ndarray) -> None:
    signal = np.concatenate([silence(SAMPLE_RATE, 500), phrase16k, silence(SAMPLE_RATE, 1000)])
    by_frame, _ = run(VoiceActivityDetector(), signal)
    odd_blocks, _ = run(VoiceActivityDetector(), signal, block=777)
    assert [(e.kind, e.time_ms, e.audio) for e in by_frame] == [(e.kind, e.time_ms, e.audio) for e in odd_blocks]


@pytest.mark.parametrize("aggressiveness", [0, 1, 2, 3])
@pytest.mark.parametrize("amplitude", [4000, 12000, 30000])
def test_cough_does_not_reach_barge_in_debounce(aggressiveness: int, amplitude: int) -> None:
    signal = np.concatenate([silence(SAMPLE_RATE, 500), cough(SAMPLE_RATE, 150, amplitude), silence(SAMPLE_RATE, 800)])
    _, most_voiced = run(VoiceActivityDetector(aggressiveness), signal)
    assert most_voiced < 300


def test_speech_reaches_barge_in_debounce(phrase16k: np.ndarray) -> None:
    vad = VoiceActivityDetector()
    _, most_voiced = run(vad, np.concatenate([silence(SAMPLE_RATE, 300), phrase16k]))
    assert most_voiced >= 300


def test_long_speech_is_cut_at_max_utterance(phrase16k: np.ndarray) -> None:
    vad = VoiceActivityDetector(max_utterance_ms=1000)
    events, _ = run(vad, np.concatenate([silence(SAMPLE_RATE, 300), phrase16k]))
    ended = [e for e in events if e.kind == "speech_ended"]
    assert ended and ended[0].forced


def test_silence_and_reset() -> None:
    vad = VoiceActivityDetector()
    assert vad.feed(silence(SAMPLE_RATE, 2000)) == []
    assert vad.stream_ms == 2000
    assert vad.silence_ms == 0 and vad.voiced_ms == 0 and not vad.in_speech
    vad.reset()
    assert vad.stream_ms == 0


def test_invalid_aggressiveness() -> None:
    with pytest.raises(ValueError):
        VoiceActivityDetector(aggressiveness=4)
