"""A shopper's email, phone and card numbers are not kept: typed into a running headless kiosk, they answer live,
but no file under the data directory holds them afterwards, and past sessions are served redacted."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

import httpx
import pytest

from app.crash import CrashHandler
from app.logging_setup import setup_logging
from app.redaction import redact_text
from tests.server.conftest import Live, SseReader
from tests.server.test_headless import start, wait_for_url

EMAIL = "jane.doe@example.com"
PHONE = "555 123 4567"
CARD = "4111 1111 1111 1111"  # a Luhn-valid test card number
SAID = f"my email is {EMAIL}, my number is {PHONE} and my card is {CARD}. show me tents"
NEEDLES = [EMAIL.encode(), PHONE.encode(), CARD.encode(), b"5551234567", b"4111111111111111",
           EMAIL.encode("utf-16-le")]


def files_holding_details(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {n!r}" for n in NEEDLES if n in data]
    return found


def test_redaction_keeps_ordinary_words_numbers_and_ids() -> None:
    assert redact_text(SAID) == "my email is [email], my number is [phone] and my card is [card]. show me tents"
    assert redact_text("+1 (555) 123-4567 or jane at example dot com") == "[phone] or [email]"
    assert redact_text("five five five one two three four five six seven") == "[phone]"
    kept = "2 tents under $1,299.99, TNT-1001, order A261203-3F2A, session 20261203-082233-a1b2c3, 4111 1111 1111 1112"
    assert redact_text(kept) == kept  # the last one fails the Luhn check: not a card
    log_line = "2026-12-03 08:55:35,376 WARNING on 03.12.2026 or 12/03/2026 at 08:55"
    assert redact_text(log_line) == log_line  # dates and times are not phone numbers


async def test_typed_details_work_live_but_are_kept_nowhere(tmp_path: Path, demo_catalog_path: Path) -> None:
    proc = start(tmp_path, demo_catalog_path, "--port", "0", "--no-voice",
                 env={"AISLE_LOG_LEVEL": "DEBUG"})
    data_dir = tmp_path / "data"
    try:
        url = await asyncio.to_thread(wait_for_url, proc)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            async with client.stream("GET", "api/stream/current") as response:
                reader = SseReader(response)
                await reader.until("context")
                posted = await client.post("api/sessions/current/messages", json={"text": SAID})
                assert posted.status_code == 202
                events = await reader.until("completion")
                live = next(e for e in events if e.event == "shopper_message")
                assert EMAIL in live.data["data"]["text"]  # the live turn sees what was typed
                assert any(e.event == "function_call" for e in events)  # ...and it still finds tents
            session_id = posted.json()["session_id"]
            past = (await client.get(f"api/sessions/{session_id}")).json()
            shopper = [t["text"] for t in past["turns"] if t["role"] == "shopper"]
            assert shopper == ["my email is [email], my number is [phone] and my card is [card]. show me tents"]
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (data_dir / "history.db").is_file() and list((data_dir / "logs").glob("*.log"))
    assert files_holding_details(data_dir) == []


def test_logs_and_crash_reports_are_redacted(tmp_path: Path) -> None:
    log_dir = tmp_path / "data" / "logs"
    setup_logging(log_dir)
    try:
        logging.getLogger("aisle.app.test").warning("shopper said %r", SAID)
        try:
            raise ValueError(f"could not parse {SAID}")
        except ValueError:
            logging.getLogger("aisle.app.test").exception("turn failed")
            handler = CrashHandler(log_dir)
            report = handler.write_report(sys.exc_info(), where="a test")  # type: ignore[arg-type]
        assert report is not None and "[card]" in report.read_text()
        for handler_ in logging.getLogger("aisle").handlers:
            handler_.flush()
        assert "[email]" in (log_dir / "aisle.log").read_text()
        assert files_holding_details(tmp_path / "data") == []
    finally:
        setup_logging(None)


async def test_a_past_session_streamed_from_memory_is_redacted_too(live: Live) -> None:
    posted = await live.client.post("api/sessions/current/messages", json={"text": SAID})
    session_id = posted.json()["session_id"]
    async with live.client.stream("GET", f"api/stream/{session_id}") as response:
        reader = SseReader(response)
        live_turn = next(e for e in await reader.until("completion") if e.event == "shopper_message")
        assert EMAIL in live_turn.data["data"]["text"]  # while the shopper is there
    await live.runtime.conversation.end_session("idle")  # the test's loop is the app loop
    await asyncio.sleep(0.2)
    assert live.server.hub is not None and live.server.hub.ring(session_id)  # still in memory for quick resumes...
    async with live.client.stream("GET", f"api/stream/{session_id}") as response:
        replay = await SseReader(response).until("session_ended")
    said = next(e for e in replay if e.event == "shopper_message").data["data"]["text"]
    assert said.startswith("my email is [email], my number is [phone] and my card is [card]")  # ...but redacted


def test_a_key_a_library_puts_in_an_error_message_never_reaches_the_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-KEY-0123456789")
    monkeypatch.setenv("AISLE_API_TOKEN", "short")  # too short to scrub without blanking ordinary words
    log_dir = tmp_path / "logs"
    setup_logging(log_dir)
    try:
        logging.getLogger("aisle.agent.test").error("401 from server: invalid key sk-test-KEY-0123456789 (short)")
        for handler in logging.getLogger("aisle").handlers:
            handler.flush()
        logged = (log_dir / "aisle.log").read_text()
    finally:
        setup_logging(None)
    assert "sk-test-KEY-0123456789" not in logged
    assert "invalid key [secret] (short)" in logged
