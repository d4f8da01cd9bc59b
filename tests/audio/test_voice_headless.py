"""`aisle --headless` with a sound card: a screenless kiosk listens and speaks. A real process on the virtual device;
the shopper's question is played into the room by the test, and the SSE stream shows what the kiosk heard, did and
said."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from audio.playback import SpeakerPlayback
from audio.resample import resample
from tests.server.conftest import SseReader
from tests.server.test_headless import start, wait_for_url

pytestmark = [pytest.mark.audio, pytest.mark.slow]

QUESTION = "show me sleeping bags under one hundred fifty dollars"


async def test_headless_kiosk_hears_a_question_and_answers_out_loud(virtual_audio, speech, tmp_path: Path,
                                                                    demo_catalog_path: Path) -> None:
    # on the virtual card (the fixture put its PulseAudio/ALSA settings in this process's environment)
    proc = start(tmp_path, demo_catalog_path, "--port", "0",
                 env={"AISLE_INPUT_DEVICE": "vmic", "AISLE_OUTPUT_DEVICE": "vsink"})
    loop = asyncio.get_running_loop()
    shopper = SpeakerPlayback("vsink", 48000, loop=loop)
    try:
        url = await asyncio.to_thread(wait_for_url, proc)
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            health = (await client.get("health")).json()
            assert health["audio"].startswith("on"), health
            async with client.stream("GET", "api/stream/current") as response:
                reader = SseReader(response)
                await reader.until("context")
                pcm, rate = speech.pcm(QUESTION, "question")
                await shopper.astart()
                for _attempt in range(3):  # said again if it was misheard, once Aisle has answered what it heard
                    shopper.play(resample(pcm, rate, 48000), tag="question")
                    events = await reader.until("shopper_message", wait_s=20)
                    said = events[-1].data["data"]
                    if said["text"] == "show me sleeping bags under 150 dollars":
                        break
                    while (await reader.until("voice_state", wait_s=30))[-1].data["data"]["state"] != "idle":
                        pass
                assert said == {"text": "show me sleeping bags under 150 dollars", "source": "voice"}
                states = [e.data["data"]["state"] for e in events if e.event == "voice_state"]
                assert "listening" in states
                assert any(e.event == "transcript" for e in events), "what it heard was streamed as it listened"
                while not any(e.event == "voice_state" and e.data["data"]["state"] == "speaking" for e in events):
                    events += await reader.until("voice_state", wait_s=20)  # ... and it answers out loud
                call = next(e.data["data"] for e in events if e.event == "function_call")
                assert call["name"] == "search_products" and call["parameters"]["max_price"] == 150
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 20) == 0
    finally:
        await shopper.aclose()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
