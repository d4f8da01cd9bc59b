"""Voice activity detection and utterance segmentation over webrtcvad (16 kHz, 20 ms frames).

:class:`VoiceActivityDetector` is pure: feed it int16 PCM at 16 kHz in blocks of any size and it returns
:class:`VadEvent` objects. ``speech_started`` comes after ``start_ms`` of voiced frames in a row (short unvoiced
gaps up to ``gap_ms`` are bridged); ``speech_ended`` after ``end_ms`` of unvoiced frames, or when the utterance
reaches ``max_utterance_ms``. The ended event carries the utterance audio, starting ``preroll_ms`` before the first
voiced frame.

``voiced_ms`` is the running amount of voiced audio in the current run (before a start) or utterance (after it):
barge-in logic can require e.g. 300 ms of it before cutting the assistant off, so coughs do not.
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import webrtcvad

log = logging.getLogger("aisle.audio.vad")

SAMPLE_RATE = 16000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * 2

EventKind = Literal["speech_started", "speech_ended"]


@dataclass(frozen=True)
class VadEvent:
    """``time_ms`` is measured in stream time (audio fed since creation or :meth:`reset`)."""

    kind: EventKind
    time_ms: int
    audio: bytes = b""  # int16 16 kHz utterance audio, only on speech_ended
    start_ms: int = 0  # where ``audio`` starts (speech_ended only)
    voiced_ms: int = 0  # voiced audio in the utterance (speech_ended) or in the start run (speech_started)
    forced: bool = False  # speech_ended because the utterance hit max_utterance_ms


class VoiceActivityDetector:
    """Segments a 16 kHz int16 mono stream into utterances."""

    def __init__(
        self,
        aggressiveness: int = 2,
        *,
        start_ms: int = 200,
        end_ms: int = 500,
        preroll_ms: int = 200,
        gap_ms: int = 40,
        max_utterance_ms: int = 15000,
    ) -> None:
        if not 0 <= aggressiveness <= 3:
            raise ValueError("aggressiveness must be 0..3")
        self.aggressiveness = aggressiveness
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.preroll_ms = preroll_ms
        self.gap_ms = gap_ms
        self.max_utterance_ms = max_utterance_ms
        self._vad = webrtcvad.Vad(aggressiveness)
        self._pending = bytearray()
        history_frames = (preroll_ms + start_ms + gap_ms) // FRAME_MS + 2
        self._history: collections.deque[bytes] = collections.deque(maxlen=history_frames)
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget everything (stream time restarts at 0)."""
        self._pending.clear()
        self._history.clear()
        self._frame_index = 0
        self._in_speech = False
        self._run_frames = 0  # voiced frames in the current candidate run (not in speech)
        self._run_start = 0  # frame index where the candidate run began
        self._gap_frames = 0  # unvoiced frames since the last voiced one
        self._utterance: list[bytes] = []
        self._utt_start = 0
        self._utt_voiced = 0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def voiced_ms(self) -> int:
        """Voiced audio in the current run (not in speech) or utterance (in speech), in ms."""
        return (self._utt_voiced if self._in_speech else self._run_frames) * FRAME_MS

    @property
    def silence_ms(self) -> int:
        """Unvoiced audio since the last voiced frame, in ms."""
        return self._gap_frames * FRAME_MS

    def speech_so_far(self) -> bytes:
        """While in speech: the utterance's audio so far, from its pre-roll up to the last byte fed (frames plus
        the part-frame still pending), so a listener that joins late (a barge-in decided after the debounce) gets
        the shopper's first words too and can carry on with the next block fed. Empty when not in speech."""
        if not self._in_speech:
            return b""
        return b"".join(self._utterance) + bytes(self._pending)

    @property
    def stream_ms(self) -> int:
        return self._frame_index * FRAME_MS

    # ------------------------------------------------------------------ feeding
    def is_speech(self, frame: bytes) -> bool:
        """Classify one 20 ms frame (640 bytes of int16 at 16 kHz)."""
        return bool(self._vad.is_speech(frame, SAMPLE_RATE))

    def feed(self, pcm: Any) -> list[VadEvent]:
        """Feed int16 16 kHz mono audio (bytes or array of any length); return the events it caused."""
        if isinstance(pcm, (bytes, bytearray, memoryview)):
            self._pending.extend(pcm)
        else:
            self._pending.extend(np.asarray(pcm, dtype=np.int16).tobytes())
        events: list[VadEvent] = []
        while len(self._pending) >= FRAME_BYTES:
            frame = bytes(self._pending[:FRAME_BYTES])
            del self._pending[:FRAME_BYTES]
            event = self._frame(frame)
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[VadEvent]:
        """End of stream: close an open utterance."""
        if self._in_speech:
            return [self._end(forced=True)]
        return []

    def _frame(self, frame: bytes) -> VadEvent | None:
        voiced = self.is_speech(frame)
        index = self._frame_index
        self._frame_index += 1
        gap_limit = self.gap_ms // FRAME_MS
        if not self._in_speech:
            self._history.append(frame)
            if voiced:
                if self._run_frames == 0:
                    self._run_start = index
                self._run_frames += 1
                self._gap_frames = 0
            elif self._run_frames:
                self._gap_frames += 1
                if self._gap_frames > gap_limit:
                    self._run_frames = 0
            if self._run_frames * FRAME_MS >= self.start_ms:
                return self._start(index)
            return None
        self._utterance.append(frame)
        if voiced:
            self._utt_voiced += 1
            self._gap_frames = 0
        else:
            self._gap_frames += 1
        if self._gap_frames * FRAME_MS >= self.end_ms:
            return self._end(forced=False)
        if len(self._utterance) * FRAME_MS >= self.max_utterance_ms:
            return self._end(forced=True)
        return None

    def _start(self, index: int) -> VadEvent:
        preroll = self.preroll_ms // FRAME_MS
        first = max(self._run_start - preroll, index - len(self._history) + 1, 0)
        keep = index - first + 1
        self._utterance = list(self._history)[-keep:]
        self._utt_start = first
        self._utt_voiced = self._run_frames
        self._in_speech = True
        self._gap_frames = 0
        self._history.clear()
        voiced_ms = self._run_frames * FRAME_MS
        self._run_frames = 0
        log.debug("speech started at %d ms (run began %d ms)", (index + 1) * FRAME_MS, self._run_start * FRAME_MS)
        return VadEvent("speech_started", time_ms=(index + 1) * FRAME_MS, start_ms=self._run_start * FRAME_MS,
                        voiced_ms=voiced_ms)

    def _end(self, forced: bool) -> VadEvent:
        audio = b"".join(self._utterance)
        event = VadEvent(
            "speech_ended",
            time_ms=self._frame_index * FRAME_MS,
            audio=audio,
            start_ms=self._utt_start * FRAME_MS,
            voiced_ms=self._utt_voiced * FRAME_MS,
            forced=forced,
        )
        log.debug("speech ended at %d ms (%d ms of audio, %d ms voiced%s)", event.time_ms,
                  len(audio) // 2 * 1000 // SAMPLE_RATE, event.voiced_ms, ", forced" if forced else "")
        self._utterance = []
        self._in_speech = False
        self._utt_voiced = 0
        self._gap_frames = 0
        return event


def periodic_frames(pcm16k: np.ndarray, *, frame_ms: int = 40, hop_ms: int = 20, threshold: float = 0.5,
                    floor_dbfs: float = -50.0) -> tuple[int, int]:
    """(periodic, audible): of the 40 ms frames (20 ms hop) louder than ``floor_dbfs``, how many have a pitch
    between 60 and 400 Hz (normalised autocorrelation peak above ``threshold``).

    A voice is periodic for most of its frames (espeak voices 0.3-0.8 of them, also under store noise at 10 dB SNR);
    white noise, hum from a fan, coughs and clatter almost never are (0.0 measured). webrtcvad alone takes steady
    noise for speech, so the voice loop asks for both before noise can interrupt Aisle or become a turn.
    """
    x = np.asarray(pcm16k, dtype=np.float64)
    n, hop = SAMPLE_RATE * frame_ms // 1000, SAMPLE_RATE * hop_ms // 1000
    lo, hi = SAMPLE_RATE // 400, SAMPLE_RATE // 60
    floor = 32768.0 * 10 ** (floor_dbfs / 20)
    norm = n / (n - np.arange(lo, hi))
    audible = periodic = 0
    for i in range(0, x.size - n + 1, hop):
        frame = x[i:i + n] - x[i:i + n].mean()
        energy = float(np.dot(frame, frame))
        if energy < floor * floor * n:
            continue
        audible += 1
        spectrum = np.fft.rfft(frame, 2 * n)
        ac = np.fft.irfft(spectrum.real ** 2 + spectrum.imag ** 2)[:hi]
        if float(np.max(ac[lo:hi] * norm)) > threshold * ac[0]:
            periodic += 1
    return periodic, audible


def voicing(pcm16k: np.ndarray) -> float:
    """The share of audible frames that are periodic (a voice), 0.0 for silence."""
    periodic, audible = periodic_frames(pcm16k)
    return periodic / audible if audible else 0.0
