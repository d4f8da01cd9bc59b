"""Capture and playback against a real (virtual) sound card: PulseAudio's vsink -> vmic loopback.

Whatever SpeakerPlayback plays into vsink is heard by MicrophoneCapture on vmic. Skipped only when PulseAudio is
not installed (see conftest.py).
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from audio_testkit import chirp, onset, until

from audio import devices
from audio.capture import AudioBlock, AudioDeviceError, MicrophoneCapture
from audio.playback import SpeakerPlayback
from audio.recognizer import GrammarRecognizer
from audio.resample import StreamResampler
from audio.synthesizer import EspeakSynthesizer
from audio.vad import VoiceActivityDetector

pytestmark = pytest.mark.audio

RATE = 48000
LOUD = 3000


class Recorder:
    """Collects captured blocks; gives the capture-clock time of any sample."""

    def __init__(self) -> None:
        self.blocks: list[AudioBlock] = []
        self.errors: list[AudioDeviceError] = []

    def on_block(self, block: AudioBlock) -> None:
        self.blocks.append(block)

    def on_error(self, error: AudioDeviceError) -> None:
        self.errors.append(error)

    def since(self, t: float) -> list[AudioBlock]:
        return [b for b in self.blocks if b.captured_at >= t]

    @staticmethod
    def sample_time(block: AudioBlock, index: int) -> float:
        """When sample ``index`` of ``block`` was captured (the callback runs just after its last sample)."""
        return block.captured_at - (block.pcm.size - index) / RATE

    def first_loud(self, after: float) -> float | None:
        for b in self.since(after):
            i = onset(b.pcm, LOUD)
            if i is not None:
                return self.sample_time(b, i)
        return None

    def last_loud(self, after: float) -> float | None:
        last = None
        for b in self.since(after):
            loud = np.flatnonzero(np.abs(b.pcm.astype(np.int32)) > LOUD)
            if loud.size:
                last = self.sample_time(b, int(loud[-1]))
        return last



@pytest.fixture
async def rig(virtual_audio):  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    rec = Recorder()
    mic = MicrophoneCapture(loop, "vmic", RATE, 20, on_block=rec.on_block, on_error=rec.on_error)
    speaker = SpeakerPlayback("vsink", RATE, loop=loop)
    await mic.astart()
    await speaker.astart()
    assert await until(lambda: len(rec.blocks) >= 5, 3.0), "capture delivers blocks"
    yield mic, speaker, rec
    await speaker.aclose()
    await mic.astop()


def test_virtual_devices_are_listed(virtual_audio) -> None:  # type: ignore[no-untyped-def]
    assert devices.find_device("input", "vmic").name == "vmic"
    assert devices.find_device("output", "vsink").name == "vsink"


async def test_chirp_goes_round_and_played_samples_is_exact(rig) -> None:  # type: ignore[no-untyped-def]
    mic, speaker, rec = rig
    signal = chirp(RATE, 0.3)
    t0 = time.monotonic()
    speaker.play(signal[:5000], tag="chirp")
    speaker.play(signal[5000:], tag="chirp")
    assert speaker.is_playing
    assert await speaker.wait_drained(within=3.0)
    assert speaker.played_samples == signal.size
    assert speaker.played_samples_for("chirp") == speaker.handed_samples_for("chirp") == signal.size
    assert not speaker.is_playing
    await asyncio.sleep(0.3)
    heard_at = rec.first_loud(t0)
    written_at = speaker.started_at("chirp")
    assert heard_at is not None and written_at is not None
    latency_ms = (heard_at - written_at) * 1000
    print(f"\nloopback latency (output callback -> input callback sample): {latency_ms:.1f} ms; "
          f"play() -> heard: {(heard_at - t0) * 1000:.1f} ms; output latency {speaker.output_latency * 1000:.0f} ms")
    assert latency_ms < 250
    # The whole chirp came back, at full level.
    captured = np.concatenate([b.pcm for b in rec.since(t0)])
    loud = np.flatnonzero(np.abs(captured.astype(np.int32)) > LOUD)
    assert (loud[-1] - loud[0]) / RATE == pytest.approx(0.3, abs=0.02)
    assert mic.dropped_blocks == 0


async def test_played_samples_counts_per_tag(rig) -> None:  # type: ignore[no-untyped-def]
    _, speaker, _ = rig
    drained: list[object] = []
    speaker.on_drained = drained.append
    speaker.play(np.full(4801, 1000, dtype=np.int16), tag=1)
    speaker.play(np.full(2399, 1000, dtype=np.int16), tag=2)
    assert await speaker.wait_drained(within=3.0)
    await asyncio.sleep(0.05)
    assert speaker.played_samples_for(1) == 4801
    assert speaker.played_samples_for(2) == 2399
    assert speaker.current_tag == 2 and speaker.played_samples == 2399
    assert drained == [2]


async def test_stop_now_silences_within_100_ms(rig) -> None:  # type: ignore[no-untyped-def]
    _, speaker, rec = rig
    t = np.arange(3 * RATE) / RATE
    tone = (np.sin(2 * np.pi * 440 * t) * 12000).astype(np.int16)
    speaker.play(tone, tag="answer")
    await asyncio.sleep(0.6)
    stopped_at = time.monotonic()
    played = speaker.stop_now()
    assert 0.3 * RATE < played < 1.0 * RATE
    await asyncio.sleep(0.4)
    assert speaker.played_samples == played  # nothing more was consumed
    assert not speaker.is_playing
    last = rec.last_loud(stopped_at - 0.5)
    assert last is not None
    print(f"\nstop_now -> silence at the microphone: {(last - stopped_at) * 1000:.1f} ms")
    assert last - stopped_at < 0.100


async def test_reference_tap_and_level_meter(rig) -> None:  # type: ignore[no-untyped-def]
    mic, speaker, _ = rig
    taps: list[np.ndarray] = []
    speaker.on_played = taps.append
    speaker.play(chirp(RATE, 0.2), tag="x")
    levels = []
    for _ in range(30):
        await asyncio.sleep(0.02)
        levels.append(mic.level_dbfs)
    assert await speaker.wait_drained(within=2.0)
    assert max(levels) > -20
    tapped = np.concatenate(taps)
    assert np.count_nonzero(np.abs(tapped.astype(np.int32)) > LOUD) > 0.5 * 0.2 * RATE
    assert all(block.size == speaker.blocksize for block in taps)


async def test_unplug_is_reported_and_replug_is_found(virtual_audio) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    rec = Recorder()
    mic = MicrophoneCapture(loop, "vmic", RATE, on_block=rec.on_block, on_error=rec.on_error)
    await mic.astart()
    try:
        assert await until(lambda: len(rec.blocks) >= 3, 3.0)
        await asyncio.to_thread(virtual_audio.run, "unplug")
        assert await until(lambda: bool(rec.errors), 3.0), "capture reports the lost device"
        assert rec.errors[0].fatal and "unplugged" in rec.errors[0].message
        assert not mic.running
        assert await until(lambda: devices.open_stream_count() == 0, 3.0)
        assert devices.refresh_devices()
        assert "vmic" not in [d.name for d in devices.list_input_devices()]
    finally:
        await asyncio.to_thread(virtual_audio.run, "replug")
        await mic.astop()
    assert await until(lambda: devices.open_stream_count() == 0, 3.0)
    assert devices.refresh_devices()
    assert devices.find_device("input", "vmic").name == "vmic"
    rec2 = Recorder()
    again = MicrophoneCapture(loop, "vmic", RATE, on_block=rec2.on_block, on_error=rec2.on_error)
    await again.astart()
    try:
        assert await until(lambda: len(rec2.blocks) >= 3, 3.0)
    finally:
        await again.astop()


async def test_spoken_request_through_the_room(rig) -> None:  # type: ignore[no-untyped-def]
    """Synthesised speech played into vsink, heard on vmic, segmented by the VAD and recognised."""
    _, speaker, rec = rig
    recognizer = await asyncio.to_thread(GrammarRecognizer, phrases=["what's in my cart", "check out", "start over",
                                                                      "add {number} of those to my cart"])
    pcm, rate = await EspeakSynthesizer(rate_wpm=150).asynthesize("add two of those to my cart")
    t0 = time.monotonic()
    speaker_rate = StreamResampler(rate, RATE)
    speaker.play(np.concatenate([speaker_rate.process(pcm), speaker_rate.flush()]), tag="user")
    assert await speaker.wait_drained(within=5.0)
    await asyncio.sleep(0.8)
    to16k = StreamResampler(RATE, 16000)
    vad = VoiceActivityDetector()
    utterances = []
    for block in rec.since(t0 - 0.1):
        for event in vad.feed(to16k.process(block.pcm)):
            if event.kind == "speech_ended":
                utterances.append(event.audio)
    assert len(utterances) == 1
    assert recognizer.recognize(utterances[0]) == "add 2 of those to my cart"


async def test_echo_canceller_on_the_live_loopback(rig) -> None:  # type: ignore[no-untyped-def]
    """The speaker's reference tap, lined up by ReferenceBuffer, cancels its own echo heard on vmic."""
    from audio.echo import aec_available, create_echo_canceller
    from audio.echo_reference import ReferenceBuffer

    assert aec_available(), "livekit (WebRTC audio processing) is missing: run scripts/setup.sh"
    mic, _, rec = rig
    reference = ReferenceBuffer(RATE)
    aec = create_echo_canceller(RATE)
    assert aec is not None
    # Speaker and microphone at the same rate: the most reliable set-up (see ReferenceBuffer / EchoCanceller).
    talker = SpeakerPlayback("vsink", RATE, loop=asyncio.get_running_loop(), on_played=reference.push)
    await talker.astart()
    cleaned: list[np.ndarray] = []
    raw: list[np.ndarray] = []

    def on_block(block: AudioBlock) -> None:
        raw.append(block.pcm)
        cleaned.append(aec.process(block.pcm, reference.take(block.pcm.size)))

    mic.on_block = on_block
    try:
        pcm, rate = await EspeakSynthesizer().asynthesize(
            "Here are three sleeping bags under one hundred fifty dollars. The first one is rated to twenty degrees, "
            "the second one packs down small, and the third one is the warmest."
        )
        talker.play(StreamResampler(rate, RATE).process(pcm), tag="answer")
        assert await talker.wait_drained(within=15.0)
        await asyncio.sleep(0.3)
    finally:
        mic.on_block = rec.on_block
        await talker.aclose()
    before = np.concatenate(raw).astype(np.float64)
    after = np.concatenate(cleaned).astype(np.float64)
    settled = slice(2 * RATE, before.size)  # after two seconds of convergence
    reduction_db = 10 * np.log10(np.mean(before[settled] ** 2) / (np.mean(after[settled] ** 2) + 1e-9))
    print(f"\nlive echo reduction: {reduction_db:.1f} dB")
    assert reduction_db > 20
