"""What the kiosk understands, on the virtual sound card: a greeting, a brand the pronouncing dictionary lacks, a
free-form request only the Whisper second pass can hold, and noise that must not become a turn or leave a partial
transcript behind. The runtime, voice service and devices are the real ones (fixture in test_voice_device.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np
import pytest
from audio_testkit import cough
from test_voice_device import RATE, Kiosk, kiosk, until, voice_turns

from app.events import Event, EventKind, VoiceState

pytestmark = [pytest.mark.audio, pytest.mark.slow]
__all__ = ["kiosk"]  # the fixture, imported for this module's tests

FREE_FORM = "my daughter is going to summer camp in the mountains"


async def said_until(kiosk: Kiosk, text: str, heard: Callable[[Event], bool],
                     within: float = 20.0) -> tuple[Event, float]:
    """Say ``text`` (up to three times, when it was not taken or misheard) until a voice turn satisfies ``heard``;
    the turn's message and when that attempt began."""
    for _attempt in range(3):
        since = time.monotonic()
        await kiosk.speak(text)
        try:
            message = await kiosk.events.wait(EventKind.SHOPPER_MESSAGE, within, since,
                                              lambda e: e.data.get("source") == "voice")
        except AssertionError:
            continue
        if heard(message):
            return message, since
        await kiosk.until_quiet()
    raise AssertionError(f"{text!r} was not heard: {voice_turns(kiosk.events)}")


def words(event: Event) -> str:
    return " ".join("".join(ch for ch in event.data["text"].lower() if ch.isalpha() or ch == " ").split())


async def test_hello_is_greeted_and_a_brand_missing_from_the_dictionary_is_heard(kiosk: Kiosk) -> None:
    _, since = await said_until(kiosk, "hello", lambda e: words(e) == "hello")
    greeting = await kiosk.events.wait(EventKind.COMPLETION, 10, since)
    assert greeting.data["text"].startswith("Hi!"), greeting.data
    await kiosk.until_quiet()
    _, since = await said_until(kiosk, "show me kestrel stoves", lambda e: "kestrel" in words(e))  # generated phones
    call = await kiosk.events.wait(EventKind.FUNCTION_CALL, 10, since)
    assert call.data["parameters"]["brand"] == "Kestrel"


async def test_a_free_form_request_reaches_the_brain_as_text_and_searches(kiosk: Kiosk) -> None:
    assert await until(lambda: kiosk.voice.neural is not None, 90), "the Whisper second pass loaded"
    message, since = await said_until(kiosk, FREE_FORM, lambda e: "summer camp" in words(e))
    assert "mountains" in message.data["text"].lower()
    call = await kiosk.events.wait(EventKind.FUNCTION_CALL, 10, since)
    assert call.data["name"] == "search_products" and call.data["parameters"]["query"] == "summer camp"


async def test_noise_is_no_turn_and_leaves_no_partial_behind(kiosk: Kiosk) -> None:
    assert await until(lambda: kiosk.voice.neural is not None, 90), "the Whisper second pass loaded"
    rng = np.random.default_rng(3)
    clatter = np.concatenate([np.concatenate([cough(RATE, 350, seed=k), np.zeros(RATE // 4, dtype=np.int16)])
                              for k in range(4)])
    hiss = (rng.standard_normal(RATE * 2) * 2500).astype(np.int16)
    since = time.monotonic()
    await kiosk.play(np.concatenate([clatter, hiss]))
    await asyncio.sleep(2.0)  # the VAD's end silence, both passes
    await until(lambda: not kiosk.voice._in_utterance and kiosk.voice.state is VoiceState.IDLE, 30)
    await asyncio.sleep(1.0)
    assert voice_turns(kiosk.events, since) == []
    transcripts = kiosk.events.of(EventKind.TRANSCRIPT, since)
    assert not transcripts or transcripts[-1].data["final"], [t.data for t in transcripts]  # no partial left
