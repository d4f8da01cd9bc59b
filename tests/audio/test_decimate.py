"""The VAD's 48 → 16 kHz path: each block's own audio comes out at once, the voice band intact, aliases removed."""

from __future__ import annotations

import numpy as np
import pytest

from audio.decimate import Decimator
from audio.resample import StreamResampler

RATE = 48000
BLOCK = 960  # the voice loop's 20 ms capture block


def tone(hz: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (10000 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def in_blocks(decimator: Decimator, pcm: np.ndarray, size: int = BLOCK) -> list[np.ndarray]:
    return [decimator.process(pcm[i:i + size]) for i in range(0, pcm.size, size)]


def gain_db(hz: float) -> float:
    x = tone(hz)
    y = np.concatenate(in_blocks(Decimator(RATE, 16000), x))[200:]
    return float(20 * np.log10(np.std(y) / np.std(x) + 1e-12))


def test_every_20_ms_block_gives_its_320_samples_at_once() -> None:
    outs = in_blocks(Decimator(RATE, 16000), tone(440))
    assert [o.size for o in outs] == [320] * 50


def test_soxr_streaming_holds_audio_back_which_is_why_the_vad_does_not_use_it() -> None:
    soxr_lq = StreamResampler(RATE, 16000, quality="LQ")
    sizes = [soxr_lq.process(block).size for block in np.split(tone(440), 50)]
    assert sizes[0] == 0 and min(sizes) < 320


def test_a_click_comes_out_where_it_went_in_within_a_millisecond() -> None:
    pcm = np.zeros(RATE, dtype=np.int16)
    pcm[24000] = 30000
    out = np.concatenate(in_blocks(Decimator(RATE, 16000), pcm, size=700))  # blocks of any size keep the phase
    assert out.size == 16000
    assert abs(int(np.argmax(np.abs(out))) - 8000) <= 16


@pytest.mark.parametrize("hz", [200, 1000, 3000, 5000])
def test_the_voice_band_passes_unchanged(hz: float) -> None:
    assert abs(gain_db(hz)) < 0.5


@pytest.mark.parametrize("hz", [9000, 12000, 20000])
def test_sound_above_the_new_nyquist_is_removed_not_folded_into_the_voice_band(hz: float) -> None:
    assert gain_db(hz) < -40


def test_a_rate_that_is_not_a_whole_multiple_is_refused() -> None:
    with pytest.raises(ValueError, match="not a whole multiple"):
        Decimator(44100, 16000)
