"""The barge-in debounce counts from the shopper's first sound, not from the VAD's first voiced frame."""

from __future__ import annotations

import numpy as np

from audio.barge_in import ONSET_LOOKBACK_MS, BargeInDebounce, lead_in_ms, piece_levels

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


def test_talker_blocks_right_before_the_voiced_run_count_as_speech() -> None:
    """The canceller's suppressor turns a quiet first consonant down below the floor; the double-talk detector,
    judging the raw microphone, called the blocks before the voiced run a talker: they count, the earliest as half."""
    debounce = BargeInDebounce(300, 0.15, RATE, 20)
    debounce.heard(pieces((-70.0, 30), (-58.0, 4), (-20.0, 10)))  # the consonant stays under the -55 dBFS floor
    debounce.speech_started(start_ms=1000, stream_ms=1100, over_echo=True)
    assert debounce.lead_in_ms == 0
    debounce.speech_started(start_ms=1000, stream_ms=1100, over_echo=True, talker_blocks=2)
    assert debounce.lead_in_ms == 30
    debounce.speech_started(start_ms=1000, stream_ms=1100, over_echo=True, talker_blocks=9)
    assert debounce.lead_in_ms == ONSET_LOOKBACK_MS


def test_talker_blocks_give_no_lead_in_while_the_canceller_leaks_aisle() -> None:
    debounce = BargeInDebounce(300, 0.15, RATE, 20)
    debounce.heard(pieces((-40.0, 34), (-20.0, 10)))
    debounce.speech_started(start_ms=1000, stream_ms=1100, over_echo=True, talker_blocks=3)
    assert debounce.lead_in_ms == 0


def test_the_double_talk_run_before_a_block_is_counted_back_from_it() -> None:
    from audio.double_talk import DoubleTalkDetector

    detector = DoubleTalkDetector()
    detector.recent.extend([True, False, True, True, True, True, True])  # newest last; the voiced run: last 3
    assert detector.talker_run_before(3, limit=5) == 2
    assert detector.talker_run_before(3, limit=1) == 1
    assert detector.talker_run_before(5, limit=5) == 0  # the block before the run was no talker
    assert detector.talker_run_before(20, limit=5) == 0
