"""When speech over Aisle's voice is a barge-in: the debounce, counted from the moment the shopper began to talk.

The shopper must have been talking for `barge_in_ms` (coughs and "mm-hm" don't last), most of it voiced, louder
than Aisle's echo could be in recent blocks (:meth:`audio.echo_control.EchoControl.near_end_blocks`), and with a
pitch (:func:`audio.vad.voicing`: not a hiss or clatter).

"Began to talk" is the first sound of their words, not the VAD's first voiced frame. Words begin with consonants
("tell", "show") that webrtcvad does not call voiced, and while Aisle talks the echo control only lets blocks through
to the VAD once the shopper is louder than the echo: measured on the virtual card, the first voiced frame came
60-90 ms after the words' first sound (a "t" at -30 dBFS under an echo at -18 dBFS; ~20 ms of that was the
resampler holding audio back, gone since :mod:`audio.decimate`: now 0-20 ms). Counting the debounce from there
made it ~380 ms long. So when the VAD starts, the canceller's output (which holds the shopper and only a
-60..-70 dB residue of Aisle) is searched back from the voiced run for the sound that leads into it: up to
`ONSET_LOOKBACK_MS` of 10 ms pieces louder than `ONSET_FLOOR_DBFS` and clearly above the residue just before, and
only when that residue shows a converged canceller (`ONSET_CONVERGED_DBFS`). AEC3's suppressor turns a quiet first
consonant under Aisle's voice down too, so this found a lead-in in ~1 trial of 10; the double-talk detector, which
judges the raw microphone against the reference band by band, had mostly called the block before the voiced run a
talker already. Its run of talker blocks right before the voiced run counts as well (under the same converged-
canceller condition), each block as half of it beyond the first: the words began somewhere inside the earliest.
"""

from __future__ import annotations

import collections
import logging

import numpy as np

from audio.vad import VoiceActivityDetector, voicing

log = logging.getLogger("aisle.audio.barge_in")

# A barge-in needs a near-end talker (louder than Aisle's echo could be, see DoubleTalkDetector) in at least
# NEAR_END_MIN of the last NEAR_END_WINDOW blocks.
NEAR_END_WINDOW = 8
NEAR_END_MIN = 2
RECHECK_MS = 60  # after a check that found no voice, the next one waits this much more speech
PIECE_MS = 10
ONSET_LOOKBACK_MS = 100
ONSET_FLOOR_DBFS = -55.0  # Aisle's echo comes out of a converged canceller at about -67 dBFS
ONSET_ABOVE_RESIDUE_DB = 10.0
# Only a canceller that demonstrably removes Aisle's voice gets a lead-in: its output before the words must be this
# quiet. An unconverged one leaks Aisle's syllables, which must not shorten the debounce (Aisle would interrupt itself).
ONSET_CONVERGED_DBFS = -60.0
LEAD_IN_BLOCKS = ONSET_LOOKBACK_MS // 20  # talker blocks (20 ms) before the voiced run that may count


def piece_levels(pcm: np.ndarray, piece: int) -> np.ndarray:
    """dBFS of each ``piece`` samples of ``pcm`` (a whole number of pieces)."""
    x = np.asarray(pcm, dtype=np.float64).reshape(-1, piece)
    levels: np.ndarray = 20.0 * np.log10(np.sqrt(np.mean(x * x, axis=1)) / 32768.0 + 1e-9)
    return levels


def residue_before(levels: np.ndarray, run_start: int) -> float | None:
    """The canceller's output level (dBFS) in the 100 ms before the lead-in window of piece ``run_start``, when it
    shows a converged canceller (else None: no lead-in may count)."""
    lookback = ONSET_LOOKBACK_MS // PIECE_MS
    residue_span = levels[max(0, run_start - lookback - 10):max(0, run_start - lookback)]
    if not residue_span.size or float(np.median(residue_span)) > ONSET_CONVERGED_DBFS:
        return None
    return float(np.median(residue_span))


def lead_in_ms(levels: np.ndarray, run_start: int) -> int:
    """How long the sound before piece ``run_start`` of ``levels`` (10 ms pieces, dBFS) leads into it without a
    break: the pieces right before it that are louder than the floor and than the residue before them."""
    lookback = ONSET_LOOKBACK_MS // PIECE_MS
    residue = residue_before(levels, run_start)
    if residue is None:
        return 0
    threshold = max(ONSET_FLOOR_DBFS, residue + ONSET_ABOVE_RESIDUE_DB)
    count = 0
    for i in range(run_start - 1, max(-1, run_start - 1 - lookback), -1):
        if levels[i] < threshold:
            break
        count += 1
    return count * PIECE_MS


class BargeInDebounce:
    """The barge-in decision for one stream of VAD frames (the voice loop feeds it every block)."""

    def __init__(self, barge_in_ms: int, min_voicing: float, rate: int, block_ms: int) -> None:
        self.barge_in_ms = barge_in_ms
        self.min_voicing = min_voicing
        self._piece = rate * PIECE_MS // 1000
        self._block_ms = block_ms
        self._levels: collections.deque[float] = collections.deque(
            maxlen=(ONSET_LOOKBACK_MS + 300 + 1000) // PIECE_MS)
        self._start_ms = 0  # VAD stream time at which the current speech began
        self._checked_ms = 0  # speech ms at which the speech was last found not to be a voice
        self.lead_in_ms = 0  # sound before the first voiced frame counted into the current speech

    def heard(self, cleaned: np.ndarray) -> None:
        """Every block of what the echo control leaves for recognition (the canceller's output while Aisle
        talks), in step with the VAD's frames."""
        usable = cleaned.size - cleaned.size % self._piece
        if usable:
            self._levels.extend(piece_levels(cleaned[:usable], self._piece).tolist())

    def speech_started(self, start_ms: int, stream_ms: int, over_echo: bool, talker_blocks: int = 0) -> None:
        """The VAD found speech whose voiced run began at ``start_ms`` (it is now at ``stream_ms``).
        ``over_echo``: Aisle's voice was being cancelled, so the sound leading into the run is searched for;
        ``talker_blocks``: the double-talk detector's run of talker blocks right before the voiced run."""
        self._checked_ms = 0
        self.lead_in_ms = 0
        if over_echo:
            levels = np.fromiter(self._levels, dtype=np.float64)
            run_start = levels.size - (stream_ms - start_ms) // PIECE_MS
            if run_start > 0 and residue_before(levels, run_start) is not None:
                talker_ms = talker_blocks * self._block_ms - self._block_ms // 2 if talker_blocks else 0
                self.lead_in_ms = min(ONSET_LOOKBACK_MS, max(lead_in_ms(levels, run_start), talker_ms))
        self._start_ms = start_ms - self.lead_in_ms
        log.debug("speech over Aisle: voiced from %d ms, %d ms of sound before it (%d talker blocks)", start_ms,
                  self.lead_in_ms, talker_blocks)

    def due(self, vad: VoiceActivityDetector, near_end_blocks: int) -> bool:
        """Whether the speech the VAD is in has become a barge-in (call while Aisle speaks, before one happened).
        ``near_end_blocks``: of the last NEAR_END_WINDOW blocks, those that held a talker louder than the echo."""
        speech_ms = vad.stream_ms - self._start_ms
        if speech_ms < self.barge_in_ms or speech_ms < self._checked_ms + RECHECK_MS:
            return False
        if vad.voiced_ms < self.barge_in_ms * 0.6 or near_end_blocks < NEAR_END_MIN:
            log.debug("not a barge-in yet at %d ms: %d ms voiced, a talker in %d of the last %d blocks", speech_ms,
                      vad.voiced_ms, near_end_blocks, NEAR_END_WINDOW)
            return False
        self._checked_ms = speech_ms
        voiced = voicing(np.frombuffer(vad.speech_so_far(), dtype=np.int16))
        log.debug("barge-in check at %d ms: voicing %.2f (needs %.2f)", speech_ms, voiced, self.min_voicing)
        return voiced >= self.min_voicing
