"""Offline text-to-speech with the libespeak-ng shipped by ``espeakng-loader`` (through ctypes).

espeak-ng runs in synchronous mode: ``espeak_Synth`` returns when the text is spoken and the synth callback has
received all int16 PCM. The library is one global state per process and not thread-safe, so every call holds a
module-wide lock and sets voice and rate again; call :meth:`EspeakSynthesizer.synthesize` from a worker thread
(``asynthesize`` does that for you).

Sentences for speech are cut by :mod:`app.sentences`, shared with the brains that stream their own replies.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import threading
from typing import Any

import numpy as np

log = logging.getLogger("aisle.audio.synthesizer")

AUDIO_OUTPUT_SYNCHRONOUS = 2
espeakRATE = 1
espeakVOLUME = 2
espeakPITCH = 3
POS_CHARACTER = 1
espeakCHARS_UTF8 = 1
espeakINITIALIZE_DONT_EXIT = 0x8000
EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

_lock = threading.Lock()
_lib: Any = None
_samplerate = 0
_chunks: list[np.ndarray] = []
_callback_ref: Any = None


class SynthesisError(RuntimeError):
    """espeak-ng could not be loaded or failed to speak."""


def _on_samples(wav: Any, numsamples: int, events: Any) -> int:
    if wav and numsamples > 0:
        _chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
    return 0  # 0 = continue


def _load() -> tuple[Any, int]:
    """Load and initialise libespeak-ng once (caller holds ``_lock``)."""
    global _lib, _samplerate, _callback_ref
    if _lib is not None:
        return _lib, _samplerate
    try:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_path = espeakng_loader.get_data_path()
    except (ImportError, OSError, RuntimeError) as exc:
        raise SynthesisError(f"espeak-ng is not available: {exc}") from exc
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                 ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.argtypes = []
    lib.espeak_Synchronize.restype = ctypes.c_int
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), espeakINITIALIZE_DONT_EXIT)
    if rate <= 0:
        raise SynthesisError(f"espeak_Initialize failed ({rate}) with data at {data_path}")
    _callback_ref = _SYNTH_CALLBACK(_on_samples)  # keep a reference: C holds the pointer
    lib.espeak_SetSynthCallback(_callback_ref)
    _lib, _samplerate = lib, rate
    log.info("espeak-ng loaded (%d Hz) from %s", rate, data_path)
    return lib, rate


class EspeakSynthesizer:
    """Text to int16 mono PCM with espeak-ng. Thread-safe (calls are serialised), not async: use a worker thread."""

    def __init__(self, voice: str = "en-us", rate_wpm: int = 170, pitch: int = 50, volume: int = 100) -> None:
        self.voice = voice
        self.rate_wpm = int(rate_wpm)
        self.pitch = int(pitch)
        self.volume = int(volume)

    @property
    def samplerate(self) -> int:
        with _lock:
            return _load()[1]

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        """Speak ``text``; returns ``(int16 samples, samplerate)``. Empty text gives an empty array."""
        with _lock:
            lib, rate = _load()
            if not text.strip():
                return np.zeros(0, dtype=np.int16), rate
            if lib.espeak_SetVoiceByName(self.voice.encode()) != EE_OK:
                raise SynthesisError(f"espeak-ng has no voice {self.voice!r}")
            lib.espeak_SetParameter(espeakRATE, self.rate_wpm, 0)
            lib.espeak_SetParameter(espeakPITCH, self.pitch, 0)
            lib.espeak_SetParameter(espeakVOLUME, self.volume, 0)
            data = text.encode("utf-8") + b"\0"
            _chunks.clear()
            err = lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, espeakCHARS_UTF8, None, None)
            if err != EE_OK:
                _chunks.clear()
                raise SynthesisError(f"espeak_Synth failed ({err})")
            lib.espeak_Synchronize()
            pcm = np.concatenate(_chunks) if _chunks else np.zeros(0, dtype=np.int16)
            _chunks.clear()
        return pcm.astype(np.int16, copy=False), rate

    async def asynthesize(self, text: str) -> tuple[np.ndarray, int]:
        """:meth:`synthesize` in the default executor."""
        return await asyncio.get_running_loop().run_in_executor(None, self.synthesize, text)
