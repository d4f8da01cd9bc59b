"""One spoken turn through the realtime brain on the virtual sound card (PulseAudio's vsink -> vmic loopback).

The shopper's words (espeak-ng) are played into vsink; the kiosk's voice loop hears them on vmic, streams them to the
fake realtime server as `input_audio_buffer.append`s, and (manual turn detection) commits and asks for a response
when its VAD hears the end of speech. The spoken reply is played through `DeviceSpeechOutput` into vsink, where a
second microphone stream hears it. Skipped only when PulseAudio is not installed.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pytest_asyncio

from agent.realtime.brain import RealtimeBrain
from app.compose.brains import make_brain_factory
from app.compose.runtime import build_runtime
from app.events import Event, EventKind
from app.fallback import active_brain
from app.runtime import Runtime
from app.settings import Settings
from tests.fakes.realtime_server import AudioReply, FakeRealtimeServer, WaitFor

pytestmark = pytest.mark.audio

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "virtual-audio.sh"
RATE = 48000
REPLY = AudioReply("Two bananas are in your cart.", chunks=10, chunk_ms=40, spacing=0.02, frequency=440.0)


@pytest.fixture(scope="module")
def virtual_audio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        pytest.skip("PulseAudio is not installed (Debian: pulseaudio pulseaudio-utils libasound2-plugins)")
    from audio import devices

    state = tmp_path_factory.mktemp("rt-vaudio")
    run_env = {**os.environ, "AISLE_AUDIO_STATE": str(state)}
    subprocess.run(["bash", str(SCRIPT), "start"], check=True, env=run_env, timeout=60, capture_output=True)
    env: dict[str, str] = {}
    for line in (state / "env").read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            env[key] = value.strip("'")
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        devices.refresh_devices()
        yield env
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=run_env, timeout=60, capture_output=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        try:
            devices.refresh_devices()
        except devices.AudioUnavailable:
            pass


@pytest_asyncio.fixture
async def kiosk(virtual_audio: dict[str, str], server: FakeRealtimeServer,
                settings: Settings) -> AsyncIterator[tuple[Runtime, Any, list[Event]]]:
    from audio.service import VoiceService

    configured = settings.replace(brain="openai", input_device="vmic", output_device="vsink",
                                  turn_detection="manual")
    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_REALTIME_URL": server.url("/v1"), "AISLE_NO_KEYRING": "1"}
    runtime = build_runtime(configured, make_brain_factory(configured, env))
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    service = VoiceService(runtime)
    server.script(WaitFor("response.create", timeout=20), REPLY)  # scripts belong to the next connection
    try:
        await runtime.conversation.ensure_session()
        await service.start()
        assert service.loop.available, service.loop.problem
        yield runtime, service.loop, events
    finally:
        await service.stop()
        await runtime.close()


async def until(predicate: Any, within: float, what: str) -> None:
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 (polling observable state in a test)
            await asyncio.sleep(0.02)
    assert predicate(), what


def tone_blocks(pcm: np.ndarray, frequency: float, threshold: float) -> int:
    """How many 20 ms blocks of `pcm` (48 kHz) carry a `frequency` sine above `threshold` amplitude."""
    n = RATE // 50
    t = np.arange(n) / RATE
    basis = np.exp(-2j * np.pi * frequency * t)
    count = 0
    for i in range(0, pcm.size - n + 1, n):
        if 2 * abs(np.dot(pcm[i:i + n].astype(np.float64), basis)) / n > threshold:
            count += 1
    return count


async def test_a_spoken_turn_on_the_virtual_device(kiosk, server: FakeRealtimeServer) -> None:
    from audio.capture import MicrophoneCapture
    from audio.playback import SpeakerPlayback
    from audio.resample import resample
    from audio.synthesizer import EspeakSynthesizer

    runtime, voice, events = kiosk
    brain = active_brain(runtime.conversation.brain)
    assert isinstance(brain, RealtimeBrain)
    await until(lambda: brain.connected, 10, "the realtime connection")

    loop = asyncio.get_running_loop()
    heard: list[np.ndarray] = []
    ear = MicrophoneCapture(loop, "vmic", RATE, 20, on_block=lambda block: heard.append(block.pcm))
    shopper = SpeakerPlayback("vsink", RATE, block_ms=20, loop=loop)
    pcm, rate = EspeakSynthesizer().synthesize("two bananas please")
    speech = resample(pcm, rate, RATE)
    await ear.astart()
    await shopper.astart()
    try:
        await asyncio.sleep(0.3)
        shopper.play(speech, "shopper")
        await until(lambda: server.sessions[0].of_type("response.create"), 10, "a response.create after the speech")
        await until(lambda: any(e.kind is EventKind.COMPLETION for e in events), 10, "the reply")
        await until(lambda: voice.playback is not None and not voice.playback.is_playing, 10, "the reply played")
        await asyncio.sleep(0.3)
    finally:
        await shopper.aclose()
        await ear.astop()

    session = server.sessions[0]
    types = session.types()
    appends = session.of_type("input_audio_buffer.append")
    audio = [base64.b64decode(a["audio"]) for a in appends]
    assert appends and all(audio), "every append carries audio"
    streamed = np.frombuffer(b"".join(audio), dtype=np.int16)
    assert streamed.size / 24000 >= speech.size / RATE, "the whole utterance was streamed"
    assert np.abs(streamed.astype(np.int32)).max() > 3000, "the streamed audio carries the shopper's speech"
    assert types.index("input_audio_buffer.commit") < types.index("response.create")

    transcripts = [e.data for e in events if e.kind is EventKind.TRANSCRIPT and e.data.get("role") == "shopper"]
    assert transcripts and transcripts[-1]["text"] == server.input_transcript and transcripts[-1]["final"]
    completion = [e.data for e in events if e.kind is EventKind.COMPLETION]
    assert completion[-1]["text"] == REPLY.transcript and not completion[-1].get("interrupted")

    item = next(e["item_id"] for e in session.sent if e["type"] == "response.output_audio.delta")
    received = session.audio_sent_ms[item] * 24
    played = voice.output.played_samples(item, 24000) if voice.output is not None else 0
    assert received - played <= 24, f"the whole reply reached the speaker ({played} of {received} samples)"
    recording = np.concatenate(heard)
    assert tone_blocks(recording, REPLY.frequency, 5000) >= 15, "the reply was heard on the virtual microphone"
