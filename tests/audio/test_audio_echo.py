"""Echo control (audio.echo): the half-duplex gate and WebRTC echo cancellation."""

from __future__ import annotations

import numpy as np
import pytest

from audio.echo import EchoCanceller, HalfDuplexGate, aec_available, create_echo_canceller
from audio.echo_reference import ReferenceBuffer
from audio.noise import NoiseSuppressor
from audio.resample import resample
from audio.synthesizer import EspeakSynthesizer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_gate_mutes_while_playing_and_for_the_tail() -> None:
    clock = FakeClock()
    gate = HalfDuplexGate(tail_ms=250, clock=clock)
    mic = np.full(960, 1000, dtype=np.int16)
    assert not gate.muted
    assert gate.process(mic) is mic
    gate.note_played(np.zeros(960, dtype=np.int16))  # silence does not count as playing
    assert not gate.muted
    gate.note_played(np.full(960, 500, dtype=np.int16))
    assert gate.muted and not gate.process(mic).any()
    clock.now += 0.2
    assert gate.muted
    clock.now += 0.06
    assert not gate.muted
    assert gate.muted_blocks == 1


def test_gate_with_start_stop_signals() -> None:
    clock = FakeClock()
    gate = HalfDuplexGate(tail_ms=100, clock=clock)
    gate.set_playing(True)
    clock.now += 10
    assert gate.muted
    gate.set_playing(False)
    assert gate.muted
    clock.now += 0.11
    assert not gate.muted


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-9))


@pytest.mark.skipif(not aec_available(), reason="software AEC needs the livekit package")
def test_echo_canceller_removes_the_played_reference_and_keeps_the_talker() -> None:
    rate = 48000
    synth = EspeakSynthesizer()
    far, r = synth.synthesize("Here are three sleeping bags under one hundred fifty dollars. The first is rated to "
                              "twenty degrees and weighs two pounds.")
    far = resample(far, r, rate)
    near, r = EspeakSynthesizer(voice="en-us+f3").synthesize("add two of those to my cart")
    near = (resample(near, r, rate) * 0.6).astype(np.int16)
    delay = int(0.03 * rate)  # 30 ms from speaker to microphone
    echo = np.zeros(far.size + delay)
    echo[delay:] = 0.5 * far
    echo[delay + 480 :] += 0.2 * far[: far.size - 480]  # one wall reflection
    mic = echo.copy()
    talk_at = 3 * rate
    mic[talk_at : talk_at + near.size] += near
    mic = np.clip(mic + np.random.default_rng(1).standard_normal(mic.size) * 30, -32768, 32767).astype(np.int16)
    reference = np.zeros(mic.size, dtype=np.int16)
    reference[: far.size] = far

    aec = EchoCanceller(rate, stream_delay_ms=30)
    block = rate // 50
    n = mic.size - mic.size % block
    out = np.concatenate([aec.process(mic[i : i + block], reference[i : i + block]) for i in range(0, n, block)])

    echo_only = slice(rate, talk_at)  # after a second of convergence, before the talker
    assert _db(mic[echo_only]) - _db(out[echo_only]) > 20  # echo down by more than 20 dB
    talk = slice(talk_at, talk_at + near.size)
    assert _db(out[talk]) > _db(near) - 6  # the talker survives (double talk)


def test_echo_canceller_checks_its_input() -> None:
    if not aec_available():
        assert create_echo_canceller(48000) is None
        return
    with pytest.raises(ValueError):
        EchoCanceller(44100)
    aec = EchoCanceller(16000)
    with pytest.raises(ValueError):
        aec.process(np.zeros(100, dtype=np.int16), None)
    assert aec.process(np.zeros(320, dtype=np.int16), None).shape == (320,)
    assert aec.process(np.zeros(320, dtype=np.int16), np.zeros(100, dtype=np.int16)).shape == (320,)


@pytest.mark.skipif(not aec_available(), reason="noise suppression needs the livekit package")
def test_noise_suppressor_lowers_steady_noise_and_buffers_odd_blocks() -> None:
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal(16000 * 2) * 800).astype(np.int16)
    ns = NoiseSuppressor(16000)
    out = np.concatenate([ns.process(noise[i : i + 250]) for i in range(0, noise.size, 250)])
    assert noise.size - 160 < out.size <= noise.size
    assert _db(noise[16000:]) - _db(out[16000 : noise.size]) > 10


def test_reference_buffer_pairs_in_order_and_resamples() -> None:
    ref = ReferenceBuffer(48000, speaker_rate=24000)
    ref.push(np.full(480, 1000, dtype=np.int16))
    ref.push(np.full(480, 1000, dtype=np.int16))
    block = ref.take(960)
    assert block.size == 960 and np.all(np.abs(block[200:] - 1000) < 50)
    ref.take(10_000)
    assert not ref.take(960).any()  # nothing played: silence


def test_reference_buffer_cuts_a_persistent_backlog_once() -> None:
    ref = ReferenceBuffer(48000, max_backlog_ms=60, keep_ms=20)
    ref.push(np.zeros(48000 * 300 // 1000, dtype=np.int16))  # the speaker ran 300 ms before the microphone
    for _ in range(60):  # then both run at the same pace
        ref.push(np.ones(960, dtype=np.int16))
        ref.take(960)
    assert ref.dropped_samples == 48000 * 280 // 1000
    assert ref.buffered == 960  # 20 ms kept
    dropped = ref.dropped_samples
    for _ in range(60):  # bursts do not trigger more cuts
        ref.push(np.ones(960 * 3, dtype=np.int16))
        ref.take(960)
        ref.take(960)
        ref.take(960)
    assert ref.dropped_samples == dropped
