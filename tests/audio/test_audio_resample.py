"""Sample-rate conversion (audio.resample)."""

from __future__ import annotations

import numpy as np
import pytest
from audio_testkit import chirp

from audio.resample import REALTIME_RATE, VAD_RATE, StreamResampler, resample, to_realtime_rate, to_vad_rate


def test_one_shot_lengths_and_type() -> None:
    x = chirp(48000, seconds=1.0)
    assert to_vad_rate(x, 48000).shape == (VAD_RATE,)
    out = to_realtime_rate(x, 48000)
    assert out.shape == (REALTIME_RATE,) and out.dtype == np.int16
    assert resample(x, 48000, 48000) is not x  # a copy, never the caller's buffer
    assert resample(np.zeros(0, dtype=np.int16), 48000, 16000).size == 0


@pytest.mark.parametrize(("rate_in", "rate_out"), [(48000, 16000), (48000, 24000), (22050, 48000), (44100, 16000)])
def test_streaming_matches_one_shot(rate_in: int, rate_out: int) -> None:
    x = chirp(rate_in, seconds=1.0, f1=3000)
    stream = StreamResampler(rate_in, rate_out)
    block = rate_in // 50
    pieces = [stream.process(x[i : i + block]) for i in range(0, x.size, block)] + [stream.flush()]
    streamed = np.concatenate(pieces)
    whole = resample(x, rate_in, rate_out)
    assert abs(streamed.size - whole.size) <= 1
    n = min(streamed.size, whole.size)
    # Same signal (no clicks at block edges): tiny difference relative to the amplitude.
    assert np.sqrt(np.mean((streamed[:n].astype(float) - whole[:n]) ** 2)) < 200


def test_a_tone_keeps_its_frequency() -> None:
    rate = 48000
    t = np.arange(rate) / rate
    tone = (np.sin(2 * np.pi * 1000 * t) * 10000).astype(np.int16)
    out = resample(tone, rate, VAD_RATE).astype(float)
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) * VAD_RATE / out.size - 1000) < 2


def test_float_input_is_converted() -> None:
    x = np.sin(np.linspace(0, 100, 4800)).astype(np.float32)
    out = resample(x, 48000, 16000)
    assert out.dtype == np.int16 and np.abs(out).max() > 30000
