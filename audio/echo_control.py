"""Keeping Aisle's own voice out of what the kiosk hears: echo cancellation, or the half-duplex gate.

:class:`EchoControl` takes each 48 kHz microphone block and returns two versions: one for the VAD (silence where the
block can only be Aisle's echo) and one for recognition (the canceller's output as it is).

- With AEC (WebRTC AEC3 fed with exactly what the speaker played, paired by the device clocks), while Aisle's voice
  can be in the microphone a block only reaches the VAD when the canceller left a near-end talker in it (its level
  within `RESIDUAL_ECHO_DB` of the raw microphone; echo alone comes out ~60 dB down); for `ECHO_SETTLE_S` after
  anything that upsets the canceller (the first audio, an output underflow or restart, a re-synchronised reference) the
  microphone is gated like half-duplex. While Aisle is quiet the canceller is not run at all.
- Half-duplex mutes the microphone while Aisle speaks and for a tail after.

:meth:`EchoControl.fresh_canceller` re-cleans the last seconds with a new canceller at a barge-in.
"""

from __future__ import annotations

import collections
import logging
import time

import numpy as np

from audio.capture import AudioBlock, level_dbfs
from audio.double_talk import DoubleTalkDetector
from audio.echo import EchoCanceller, HalfDuplexGate, create_echo_canceller
from audio.echo_reference import ClockedReference
from audio.resample import StreamResampler

log = logging.getLogger("aisle.audio.voice")

DEVICE_RATE = 48000
BLOCK_MS = 20
ECHO_SETTLE_S = 1.0  # the microphone stays gated this long after something upset the echo canceller
AEC_WARMUP_BLOCKS = 10  # blocks of audible output the canceller must have seen before the microphone is trusted
# While Aisle speaks, a cleaned block is taken for echo (the VAD gets silence) when it is this far below the raw
# microphone or this quiet: echo alone comes out ~60-70 dB down at about -67 dBFS, which webrtcvad still calls speech
# now and then; a shopper talking over Aisle comes out 5-25 dB below the raw microphone (AEC3 turns them down too).
RESIDUAL_ECHO_DB = 35.0
RESIDUAL_ECHO_FLOOR_DBFS = -55.0
# A block reaches the VAD while Aisle speaks only with a near-end talker in the last NEAR_END_HANGOVER blocks (so
# syllables quieter than the echo are not chopped out of a shopper's words).
NEAR_END_HANGOVER = 5
ECHO_HISTORY_MS = 3000  # how much Aisle-only audio a fresh canceller gets to converge on at a barge-in


class EchoControl:
    """Echo cancellation state for one pair of devices; call :meth:`choose` when they are (re)opened."""

    def __init__(self, half_duplex_tail_ms: int) -> None:
        self.gate = HalfDuplexGate(half_duplex_tail_ms)
        self.aec: EchoCanceller | None = None
        self.reference: ClockedReference | None = None
        self.double_talk: DoubleTalkDetector | None = None
        self.mode = "off"
        self.gated_blocks = 0  # microphone blocks silenced because they could only be echo
        # whether the latest block was judged on a known echo path (a settled canceller on a trusted pairing)
        self.path_known = True
        self._was_possible = False  # whether the previous block could hold Aisle's voice
        self._unsettled_until = 0.0
        self._warm_blocks = 0
        self._seen_glitches = 0
        self._seen_resyncs = 0
        # the last seconds of (microphone, reference) blocks, to re-clean a barge-in with a fresh canceller
        self._history: collections.deque[tuple[np.ndarray, np.ndarray]] = collections.deque(
            maxlen=ECHO_HISTORY_MS // BLOCK_MS)
        self._mic_delay = np.zeros(0, dtype=np.int16)

    def choose(self, wanted: str) -> None:
        """Set up for ``wanted`` (auto | aec | half-duplex | off): AEC when it can be had, else the gate."""
        self.aec, self.reference, self.double_talk = None, None, None
        self._warm_blocks = 0
        self._seen_glitches = self._seen_resyncs = 0
        if wanted in ("auto", "aec"):
            self.aec = create_echo_canceller(DEVICE_RATE)
            if self.aec is not None:
                self.reference = ClockedReference(DEVICE_RATE)
                self.double_talk = DoubleTalkDetector()
                self._history.clear()
                self._mic_delay = np.zeros(self.aec.latency_samples, dtype=np.int16)
                self.mode = "aec"
                return
            log.warning("echo cancellation is not available here; using the half-duplex gate")
        self.mode = "off" if wanted == "off" else "half-duplex"

    def on_played(self, block: np.ndarray, start_frame: int, dac_time: float) -> None:
        """The speaker played ``block`` (the reference for the canceller)."""
        if self.reference is not None:
            self.reference.push(block, start_frame, dac_time)
        self.gate.note_played(block)

    def near_end_blocks(self, last: int) -> int:
        """Blocks among the ``last`` in which someone talked over Aisle (all of them without AEC)."""
        return last if self.double_talk is None else self.double_talk.near_end_blocks(last)

    def talker_run_before(self, blocks_ago: int, limit: int) -> int:
        """Blocks in a row, right before the block ``blocks_ago`` back, in which someone talked over Aisle (by the
        double-talk detector: 0 without AEC)."""
        return 0 if self.double_talk is None else self.double_talk.talker_run_before(blocks_ago, limit)

    def process(self, block: AudioBlock, speaking: bool, glitches: int) -> tuple[np.ndarray, np.ndarray]:
        """The microphone block with Aisle's own voice taken out: (for the VAD, for recognition).

        With AEC, while Aisle can be heard the VAD gets silence instead of a block that can only be echo (or while
        the canceller is not to be trusted); recognition gets the canceller's output as it is, because while both
        talk AEC3 also turns the shopper down by 10-25 dB and gating those blocks cut the first syllables of a
        barge-in out of the recognised words."""
        mic = block.pcm
        self.gate.set_playing(speaking)
        echo_possible = self.gate.muted  # Aisle is speaking, or stopped less than the tail ago
        if self.mode == "aec" and self.aec is not None and self.reference is not None:
            return self._cancel(block, echo_possible, glitches)
        self.path_known = True
        if self.mode == "half-duplex":
            gated = self.gate.process(mic)
            return gated, gated
        return mic, mic

    def _cancel(self, block: AudioBlock, echo_possible: bool, glitches: int) -> tuple[np.ndarray, np.ndarray]:
        assert self.aec is not None and self.reference is not None
        mic = block.pcm
        if glitches != self._seen_glitches or "overflow" in block.status:
            self._seen_glitches = glitches
            self.reference.note_glitch()  # the echo path moved: measure it again
            self._unsettled_until = time.monotonic() + ECHO_SETTLE_S
        reference = self.reference.take(mic.size, block.start_frame, block.adc_time, mic)
        if self.reference.resyncs != self._seen_resyncs:
            # The pairing moved: the canceller's filters describe an echo path that is not there; start afresh.
            self._seen_resyncs = self.reference.resyncs
            self._unsettled_until = time.monotonic() + ECHO_SETTLE_S
            self.aec = create_echo_canceller(DEVICE_RATE) or self.aec
            self._history.clear()
        raw_mic = mic
        # the plain microphone, delayed like the canceller's output so that switching between them is seamless
        both = np.concatenate([self._mic_delay, mic])
        self._mic_delay, mic = both[mic.size:], both[:mic.size]
        if not echo_possible:
            self._was_possible = False
            self.path_known = True
            # Aisle has been quiet for the tail: nothing to cancel, and AEC3 is not transparent (its filters and
            # suppressor turned "one hundred fifty" into "one hundred fifteen" one run in two). The canceller is not
            # run at all then (it was most of the cost of listening to silence); it picks up where it left off.
            return mic, mic
        cleaned = self.aec.process(raw_mic, reference)
        self._history.append((raw_mic, reference))
        return self._judge(raw_mic, mic, cleaned, reference)

    def _judge(self, raw_mic: np.ndarray, mic: np.ndarray, cleaned: np.ndarray,
               reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """While Aisle can be heard: the cleaned block for the VAD when a talker is in it, else silence."""
        assert self.reference is not None
        # double talk only matters while Aisle can be heard (two FFTs a block: not spent on listening to silence)
        if self.double_talk is None:
            talker = True
        else:
            if not self._was_possible:
                self.double_talk.reset()  # verdicts from the last reply say nothing about this one
            talker = self.double_talk.update(raw_mic, reference)
        self._was_possible = True
        now = time.monotonic()
        if self._warm_blocks < AEC_WARMUP_BLOCKS and reference.any():
            self._warm_blocks += 1
            if self._warm_blocks == AEC_WARMUP_BLOCKS:
                self._unsettled_until = max(self._unsettled_until, now + ECHO_SETTLE_S / 2)
        level = level_dbfs(cleaned)
        talker = talker or self.near_end_blocks(NEAR_END_HANGOVER) > 0
        settled = self.reference.trusted and now >= self._unsettled_until and self._warm_blocks >= AEC_WARMUP_BLOCKS
        self.path_known = settled
        if not talker or not settled or level < RESIDUAL_ECHO_FLOOR_DBFS \
                or level < level_dbfs(mic) - RESIDUAL_ECHO_DB:
            self.gated_blocks += 1
            return np.zeros_like(cleaned), cleaned
        return cleaned, cleaned

    def fresh_canceller(self) -> np.ndarray | None:
        """A barge-in: replace the echo canceller with a fresh one that has heard only the last few seconds, and
        return what it makes of them (16 kHz) for the recogniser.

        While both talk, AEC3 adapts on the shopper's voice too; on the virtual card the canceller that had been
        through one barge-in turned the next one's first words into something else ("what's in my cart" → "the
        ironbark" in 2 of 3), while a fresh one given the same seconds converges on Aisle's voice alone (~60 dB in
        well under a second) and leaves the shopper's words recognisable. ~25 ms of work, once per barge-in."""
        if self.mode != "aec" or not self._history:
            return None
        fresh = create_echo_canceller(DEVICE_RATE)
        if fresh is None:
            return None
        cleaned = np.concatenate([fresh.process(mic, reference) for mic, reference in self._history])
        self.aec = fresh
        return StreamResampler(DEVICE_RATE, 16000, quality="MQ").process(cleaned)
