"""The voice loop's listening path without a device: speech WAVs (espeak-ng CLI) through the same 48 kHz → 16 kHz →
VAD → recogniser path, the confidence check that keeps noise from becoming a turn, the VAD's late join, and the
clock-paired echo reference."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from audio_testkit import add_noise, cough, silence

from app.compose.runtime import build_runtime
from app.events import EventKind
from audio.echo_reference import ClockedReference
from audio.recognizer import GrammarRecognizer
from audio.resample import resample
from audio.vad import VoiceActivityDetector
from audio.vocabulary import vocabulary_from_catalog
from audio.voice_loop import VoiceConfig, VoiceLoop, transcribe

QUESTION = "show me sleeping bags under one hundred fifty dollars"


@pytest.fixture(scope="module")
def recognizer(demo_catalog_path):  # type: ignore[no-untyped-def]
    from app.catalog.store import Catalog

    return GrammarRecognizer(vocabulary=vocabulary_from_catalog(Catalog(demo_catalog_path)))


def at48k(pcm: np.ndarray, rate: int) -> np.ndarray:
    return resample(pcm, rate, 48000)


def test_a_spoken_request_becomes_its_text(speech, recognizer) -> None:  # type: ignore[no-untyped-def]
    heard = transcribe(at48k(*speech.pcm(QUESTION, "question")), recognizer)
    assert [t.text for t in heard] == ["show me sleeping bags under 150 dollars"]
    assert heard[0].raw == QUESTION and heard[0].accepted


def test_the_first_words_on_a_fresh_decoder_are_heard(speech, demo_catalog_path) -> None:  # type: ignore[no-untyped-def]
    """A fresh decoder used to decode its first utterance to nothing (cepstral mean from a poor default)."""
    from app.catalog.store import Catalog

    fresh = GrammarRecognizer(vocabulary=vocabulary_from_catalog(Catalog(demo_catalog_path)))
    heard = transcribe(at48k(*speech.pcm("what's in my cart", "cart")), fresh)
    assert [t.text for t in heard] == ["what's in my cart"]


def test_two_requests_in_one_recording_are_two_utterances(speech, recognizer) -> None:  # type: ignore[no-untyped-def]
    first = at48k(*speech.pcm("do you have any trekking poles", "poles"))
    second = at48k(*speech.pcm("tell me more about the second one", "second", voice="en-us+f2"))
    heard = transcribe(np.concatenate([first, silence(48000, 1200), second]), recognizer)
    assert [t.text for t in heard] == ["do you have any trekking poles", "tell me more about the second one"]


def test_noise_and_off_topic_talk_are_not_taken_as_turns(speech, recognizer) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    hum = (rng.standard_normal(48000 * 2) * 1500).astype(np.int16)
    assert not [t for t in transcribe(hum, recognizer) if t.accepted]
    bursts = np.concatenate([np.concatenate([cough(48000, 400, seed=k), silence(48000, 300)]) for k in range(3)])
    assert not [t for t in transcribe(bursts, recognizer) if t.accepted]
    chatter = at48k(*speech.pcm("my brother drove to london on tuesday to see the football", "chatter"))
    heard = transcribe(chatter, recognizer)
    assert heard and not [t for t in heard if t.accepted], [(t.raw, round(t.confidence, 2)) for t in heard]
    # while the same request in store noise still is one
    noisy = add_noise(at48k(*speech.pcm(QUESTION, "question")), snr_db=20)
    assert [t.text for t in transcribe(noisy, recognizer) if t.accepted] == ["show me sleeping bags under 150 dollars"]


def test_vad_speech_so_far_starts_at_the_preroll(speech) -> None:  # type: ignore[no-untyped-def]
    pcm, rate = speech.pcm("tell me more about the second one", "more")
    pcm16 = resample(pcm, rate, 16000)
    stream = np.concatenate([silence(16000, 400), pcm16, silence(16000, 800)])
    vad = VoiceActivityDetector(start_ms=200, end_ms=500, preroll_ms=300)
    fed = 0
    joined = b""
    for i in range(0, stream.size, 333):  # odd block sizes: part-frames stay pending
        chunk = stream[i:i + 333]
        vad.feed(chunk)
        fed += chunk.size
        if vad.in_speech and vad.voiced_ms >= 300 and not joined:
            joined = vad.speech_so_far()
            start, end = fed - len(joined) // 2, fed
    assert joined, "the VAD heard the speech"
    first_voice = int(np.flatnonzero(np.abs(stream.astype(np.int32)) > 500)[0])
    assert 0 <= first_voice - start <= 16000 * 0.3 + 320  # from the pre-roll before the first syllable ...
    assert np.array_equal(np.frombuffer(joined, dtype=np.int16), stream[start:end])  # ... to the last byte fed
    assert not vad.in_speech and vad.speech_so_far() == b""


async def test_voice_loop_takes_a_heard_request_as_a_turn(speech, settings) -> None:  # type: ignore[no-untyped-def]
    """The loop itself, without a device: audio handed in is recognised, becomes a voice turn and a search."""
    runtime = build_runtime(settings)
    events: list = []  # type: ignore[type-arg]
    runtime.bus.subscribe(events.append)
    loop = VoiceLoop(runtime.conversation, runtime.bus, VoiceConfig(),
                     lambda: vocabulary_from_catalog(runtime.catalog))
    try:
        await loop.start(open_devices=False)
        await runtime.conversation.start_session()
        question = at48k(*speech.pcm(QUESTION, "question"))
        audio = np.concatenate([silence(48000, 300), question, silence(48000, 900)])
        for i in range(0, audio.size, 4800):  # 100 ms at a time, giving the recogniser time for partials
            loop.hear(audio[i:i + 4800])
            await asyncio.sleep(0.03)
        for _ in range(200):
            if any(e.kind is EventKind.COMPLETION for e in events):
                break
            await asyncio.sleep(0.05)
        kinds = [e.kind for e in events]
        assert EventKind.TRANSCRIPT in kinds
        message = next(e for e in events if e.kind is EventKind.SHOPPER_MESSAGE)
        assert message.data == {"text": "show me sleeping bags under 150 dollars", "source": "voice"}
        call = next(e for e in events if e.kind is EventKind.FUNCTION_CALL)
        assert call.data["name"] == "search_products" and call.data["parameters"]["max_price"] == 150
        partials = [e.data["text"] for e in events if e.kind is EventKind.TRANSCRIPT and not e.data["final"]]
        assert partials and partials[0] != message.data["text"]  # shown while the shopper was still speaking
        assert {"speech_started_at", "speech_ended_at", "recognised_at"} <= set(loop.timings)
    finally:
        await loop.close()
        await runtime.close()


def _lag(got: np.ndarray, signal: np.ndarray, expected: int, search: int = 240) -> int | None:
    """Where ``got`` sits in ``signal`` relative to ``expected`` (samples), or None when it is not there."""
    for lag in range(-search, search + 1):
        w = expected + lag
        if w >= 0 and np.array_equal(got, signal[w:w + got.size]):
            return lag
    return None


def test_clocked_reference_pairs_by_converter_time_and_resyncs_after_a_glitch() -> None:
    rate, n = 48000, 960
    ref = ClockedReference(rate, lead_ms=10)
    signal = (np.random.default_rng(1).standard_normal(rate * 3) * 3000).astype(np.int16)
    true_offset = 3000  # the microphone frame that hears output frame w is w + 3000
    jitter = np.random.default_rng(2)

    def run(blocks: range, offset: int) -> list[tuple[np.ndarray, int]]:
        pairs = []
        for k in blocks:
            w = k * n
            ref.push(signal[w:w + n], w, w / rate + jitter.uniform(0, 0.002))  # converter times jitter by 2 ms
            c = w - 4 * n + true_offset  # the microphone runs behind the speaker's writes
            pairs.append((ref.take(n, c, (c - offset) / rate + jitter.uniform(0, 0.002)), c))
        return pairs

    lead = 480
    pairs = run(range(0, 40), true_offset)
    lags = {_lag(got, signal, c - true_offset + lead) for got, c in pairs[20:]}
    assert len(lags) == 1 and None not in lags and abs(lags.pop()) <= 48  # one steady pairing, within 1 ms
    assert ref.resyncs == 0 and abs(ref.delay_ms - 10) < 2
    # An output underflow: the device played 25 ms of silence, every later echo arrives 25 ms later.
    ref.note_glitch()
    pairs = run(range(40, 80), true_offset + 1200)
    assert ref.resyncs == 1
    lags = {_lag(got, signal, c - true_offset - 1200 + lead) for got, c in pairs[-10:]}
    assert len(lags) == 1 and None not in lags and abs(lags.pop()) <= 48


async def test_a_missing_device_is_announced_once_not_at_every_retry(settings) -> None:  # type: ignore[no-untyped-def]
    """The loop looks for the device every few seconds for as long as it takes (weeks, on a kiosk whose microphone
    was taken away): one notice says so, not one per retry."""
    runtime = build_runtime(settings)
    events: list = []  # type: ignore[type-arg]
    runtime.bus.subscribe(events.append)
    await runtime.conversation.start_session()
    config = VoiceConfig(input_device="no such microphone", output_device="no such speaker", device_retry_s=0.05)
    loop = VoiceLoop(runtime.conversation, runtime.bus, config, lambda: vocabulary_from_catalog(runtime.catalog))
    try:
        await loop.start()
        await asyncio.sleep(1.0)  # twenty retries
        notices = [e for e in events if e.kind is EventKind.NOTICE and e.data["code"] == "voice_unavailable"]
        assert len(notices) == 1 and not loop.available
    finally:
        await loop.close()
        await runtime.close()
