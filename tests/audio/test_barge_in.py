"""The barge-in debounce counts from the shopper's first sound, not from the VAD's first voiced frame."""

from __future__ import annotations

import numpy as np

from audio.barge_in import ONSET_LOOKBACK_MS, BargeInDebounce, lead_in_ms, piece_levels
from audio.resample import resample
from audio.vad import VoiceActivityDetector
from tests.audio.conftest import SpeechMaker

RATE = 48000
PIECE = RATE // 100


def pieces(*runs: tuple[float, int]) -> np.ndarray:
    """10 ms pieces of steady noise at (dBFS, count) after each other, as int16."""
    rng = np.random.default_rng(1)
    out = []
    for level, count in runs:
        amplitude = 32768 * 10 ** (level / 20)
        out.append(np.clip(rng.standard_normal(PIECE * count) * amplitude, -32768, 32767))
    return np.concatenate(out).astype(np.int16)


def test_the_consonant_before_the_voiced_run_counts_as_speech() -> None:
    # canceller residue at -70 dBFS, a "t" at -40 for 40 ms, then the vowel the VAD calls voiced
    levels = piece_levels(pieces((-70.0, 30), (-40.0, 4), (-20.0, 10)), PIECE)
    assert lead_in_ms(levels, run_start=34) == 40


def test_a_gap_of_residue_ends_the_lead_in() -> None:
    levels = piece_levels(pieces((-70.0, 30), (-40.0, 3), (-70.0, 2), (-40.0, 2), (-20.0, 10)), PIECE)
    assert lead_in_ms(levels, run_start=37) == 20


def test_the_lead_in_is_bounded_and_needs_sound_above_the_residue() -> None:
    long_sound = piece_levels(pieces((-70.0, 30), (-40.0, 12), (-20.0, 10)), PIECE)
    assert lead_in_ms(long_sound, run_start=42) == ONSET_LOOKBACK_MS
    quiet = piece_levels(pieces((-70.0, 30), (-20.0, 10)), PIECE)
    assert lead_in_ms(quiet, run_start=30) == 0


def test_a_canceller_that_leaks_aisle_gives_no_lead_in() -> None:
    """Before the canceller has converged its output holds Aisle's own syllables: they must not count as the
    shopper's speech, or Aisle's echo would need less than the debounce to interrupt it."""
    leaking = piece_levels(pieces((-40.0, 60), (-20.0, 10)), PIECE)
    assert lead_in_ms(leaking, run_start=60) == 0


def test_only_speech_over_aisle_gets_a_lead_in() -> None:
    debounce = BargeInDebounce(300, 0.15, RATE, 20)
    debounce.heard(pieces((-70.0, 30), (-40.0, 4), (-20.0, 10)))  # the run began 100 ms ago (10 pieces)
    debounce.speech_started(start_ms=1000, stream_ms=1100, over_echo=True)
    assert debounce.lead_in_ms == 40
    debounce.speech_started(start_ms=1000, stream_ms=1100, over_echo=False)
    assert debounce.lead_in_ms == 0



def test_the_debounce_runs_to_the_last_sound_heard_not_the_vads_last_frame(speech: SpeechMaker) -> None:
    """The VAD gets the microphone through a resampler that hands out its output in chunks and judges whole 20 ms
    frames: what it has not judged yet was still spoken, and counts towards the 300 ms (voicing is still asked)."""
    pcm, rate = speech.pcm("tell me more about the second one", "barge-in-debounce")
    voice = resample(pcm, rate, 16000)
    vad = VoiceActivityDetector(start_ms=200)
    debounce = BargeInDebounce(300, 0.15, RATE, 20)
    run_start = -1
    for i in range(0, voice.size, 320):
        for event in vad.feed(voice[i:i + 320]):
            if event.kind == "speech_started":
                run_start = event.start_ms
                debounce.speech_started(event.start_ms, vad.stream_ms, over_echo=False)
        if vad.in_speech and vad.stream_ms - run_start >= 280:
            break
    assert vad.in_speech and vad.stream_ms - run_start == 280
    assert not debounce.due(vad, near_end_blocks=8)  # 280 ms judged ...
    assert debounce.due(vad, near_end_blocks=8, unjudged_ms=20.0)  # ... and 20 ms more heard: 300 ms of talking


def test_blocks_with_a_talker_before_the_voiced_run_count_as_speech() -> None:
    """While both talk the canceller turns the shopper's first sound down to its residue, so the sound in its output
    gives no lead-in; the double-talk detector, judging the raw microphone against what Aisle played, found the
    talker in the blocks before the run. Only an unbroken streak counts, and at most ONSET_LOOKBACK_MS of it."""
    quiet = pieces((-70.0, 60))
    debounce = BargeInDebounce(300, 0.15, RATE, 20)
    debounce.heard(quiet)
    talker = [False] * 20 + [True] * 3 + [True] * 10  # 3 blocks with a talker, then the run (200 ms = 10 blocks)
    debounce.speech_started(start_ms=1000, stream_ms=1200, over_echo=True, near_end=talker)
    assert debounce.lead_in_ms == 60
    broken = [False] * 20 + [True, False, True] + [True] * 10
    debounce.speech_started(start_ms=1000, stream_ms=1200, over_echo=True, near_end=broken)
    assert debounce.lead_in_ms == 20
    debounce.speech_started(start_ms=1000, stream_ms=1200, over_echo=True, near_end=[True] * 40)
    assert debounce.lead_in_ms == ONSET_LOOKBACK_MS
    debounce.speech_started(start_ms=1000, stream_ms=1200, over_echo=False, near_end=[True] * 40)
    assert debounce.lead_in_ms == 0  # Aisle was not talking: nothing to look back past
