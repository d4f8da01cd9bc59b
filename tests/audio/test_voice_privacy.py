"""A phone number said out loud to a headless kiosk on the (virtual) sound card: the live turn hears it, but no file
under the data directory holds it afterwards, in whatever form the recogniser wrote it (digits or words).

The typed path (and logs, crash reports, past sessions) is in tests/server/test_privacy.py; this is the spoken one.
"""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import httpx
import pytest

from audio.playback import SpeakerPlayback
from audio.resample import resample
from tests.server.conftest import SseReader
from tests.server.test_headless import start, wait_for_url
from tests.server.test_privacy import NEEDLES

pytestmark = [pytest.mark.audio, pytest.mark.slow]

SAID = "my number is five five five one two three four five six seven"


def files_holding(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {n!r}" for n in needles if n in data]
    return found


def forms_of_the_number(heard: str) -> list[bytes]:
    """What must not be kept: the number as the recogniser wrote it (e.g. Whisper's "555-123-4567"), its digits, and
    the digit words."""
    runs = re.findall(r"\d[\d\s().-]{5,}\d", heard)
    words = re.findall(r"(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)[\s,-]+){6,}"
                       r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)", heard.lower())
    return [*(r.encode() for r in runs), *(re.sub(r"\D", "", r).encode() for r in runs), *(w.encode() for w in words)]


async def voice_turn_or_not_caught(reader: SseReader, wait_s: float = 25.0) -> str:
    """The text of the next spoken turn, or "" when Aisle said it did not catch the words."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while (event := await reader.next(max(0.01, deadline - asyncio.get_running_loop().time()))) is not None:
        data = event.data["data"]
        if event.event == "shopper_message" and data.get("source") == "voice":
            return str(data["text"])
        if event.event == "notice" and data.get("code") == "not_understood":
            return ""
    raise AssertionError("the stream ended")


async def test_a_spoken_phone_number_is_heard_live_but_kept_nowhere(virtual_audio, speech, tmp_path: Path,
                                                                     demo_catalog_path: Path) -> None:
    proc = start(tmp_path, demo_catalog_path, "--port", "0",
                 env={"AISLE_INPUT_DEVICE": "vmic", "AISLE_OUTPUT_DEVICE": "vsink", "AISLE_LOG_LEVEL": "DEBUG"})
    data_dir = tmp_path / "data"
    shopper = SpeakerPlayback("vsink", 48000, loop=asyncio.get_running_loop())
    heard = ""
    try:
        url = await asyncio.to_thread(wait_for_url, proc)
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            assert (await client.get("health")).json()["audio"].startswith("on")
            async with client.stream("GET", "api/stream/current") as response:
                reader = SseReader(response)
                await reader.until("context")
                pcm, rate = speech.pcm(SAID, "phone-number")
                await shopper.astart()
                # Out of the catalog grammar: Whisper (loaded in the background after start) takes it. Said again
                # when it came too early for Whisper ("sorry, I didn't catch that").
                for _attempt in range(3):
                    shopper.play(resample(pcm, rate, 48000), tag="number")
                    heard = await voice_turn_or_not_caught(reader)
                    if heard:
                        break
                    await asyncio.sleep(3)
            session_id = (await client.get("api/sessions")).json()["active"]
            past = (await client.get(f"api/sessions/{session_id}")).json()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0
    finally:
        await shopper.aclose()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    needles = forms_of_the_number(heard)
    assert needles, f"the live turn heard the number: {heard!r}"  # digits or digit words, as the recogniser wrote it
    shopper_turns = [t["text"] for t in past["turns"] if t["role"] == "shopper"]
    print(f"\nthe number was heard as {heard!r}; history keeps {shopper_turns!r}")
    assert any("[phone]" in text for text in shopper_turns), shopper_turns
    assert files_holding(data_dir, [*NEEDLES, *needles]) == []
