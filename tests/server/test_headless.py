"""`aisle --headless` as a real process: it serves, prints where, talks, and stops cleanly on SIGINT and SIGTERM;
it refuses a public address without a token and says why."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.headless import IdleReset
from app.runtime import Runtime
from tests.server.conftest import SseReader

REPO = Path(__file__).resolve().parents[2]


def start(tmp_path: Path, catalog: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if k != "AISLE_API_TOKEN"}
    environ.update({"AISLE_NO_KEYRING": "1", "PYTHONUNBUFFERED": "1", **(env or {})})
    return subprocess.Popen(
        [sys.executable, "-m", "app.compose.cli", "--headless", "--data-dir", str(tmp_path / "data"), "--catalog",
         str(catalog), *extra],
        cwd=REPO, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"Live web view: (http://\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError(f"no URL printed; stderr: {proc.stderr.read() if proc.stderr else ''}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_headless_serves_and_stops_cleanly(tmp_path: Path, demo_catalog_path: Path, sig: int) -> None:
    proc = start(tmp_path, demo_catalog_path, "--port", "0", "--no-voice")
    try:
        url = await asyncio.to_thread(wait_for_url, proc)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            health = (await client.get("health")).json()
            assert health["status"] == "ok" and health["brain"] == "offline"
            async with client.stream("GET", "api/stream/current") as response:
                reader = SseReader(response)
                await reader.until("context")  # headless opens a session, as the kiosk does
                r = await client.post("api/sessions/current/messages", json={"text": "show me tents"})
                assert r.status_code == 202
                events = await reader.until("completion")
                assert any(e.event == "function_call" for e in events)
                proc.send_signal(sig)
                ended = await reader.until("session_ended")  # streams see the session end on the way out
                assert ended[-1].data["data"]["reason"] == "shutdown"
        code = await asyncio.to_thread(proc.wait, 15)
        assert code == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_headless_refuses_a_public_address_without_a_token(tmp_path: Path, demo_catalog_path: Path) -> None:
    proc = start(tmp_path, demo_catalog_path, "--host", "0.0.0.0", "--port", "0", "--no-voice")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "Refusing to start the HTTP endpoint on 0.0.0.0" in err and "AISLE_API_TOKEN" in err


async def test_idle_reset_opens_a_fresh_session(runtime: Runtime) -> None:
    conversation = runtime.conversation
    first = await conversation.start_session()
    await conversation.submit_text("tents")
    idle = IdleReset(runtime, timeout_s=0.2)
    task = asyncio.create_task(idle.run())
    try:
        for _ in range(100):
            await asyncio.sleep(0.05)
            if conversation.session is not None and conversation.session is not first:
                break
    finally:
        task.cancel()
        idle.close()
    assert conversation.session is not None and conversation.session is not first
    assert first.ended


class FakeAudio:
    """A stand-in for the voice pipeline: records its lifecycle, reports a status for /health."""

    name = "audio"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")

    async def stop(self) -> None:
        self.calls.append("stop")

    def status(self) -> str:
        return "listening"


class BrokenService(FakeAudio):
    name = "broken"

    async def start(self) -> None:
        raise RuntimeError("no sound card")


async def test_serve_headless_runs_services_and_stops(runtime: Runtime, server_settings, capsys) -> None:
    from app.headless import serve_headless

    made: list[FakeAudio] = []

    def audio(rt: Runtime) -> FakeAudio:
        made.append(FakeAudio(rt))
        return made[-1]

    out = io.StringIO()
    stop = asyncio.Event()
    task = asyncio.create_task(serve_headless(runtime, server_settings, stop, [audio, BrokenService], out=out))
    for _ in range(250):
        found = re.search(r"Live web view: (http://\S+)", out.getvalue())
        if found:
            break
        await asyncio.sleep(0.02)
    assert found, out.getvalue()
    async with httpx.AsyncClient(base_url=found.group(1), timeout=5) as client:
        health = (await client.get("health")).json()
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0
    assert health["audio"] == "listening"  # the audio service's status feeds /health
    assert made[0].calls == ["start", "stop"]
    assert "broken is not available (no sound card)" in capsys.readouterr().err
    assert runtime.conversation.session is None  # ended on the way out
    assert "Stopping" in out.getvalue()


async def test_serve_headless_reports_a_refused_bind(runtime: Runtime, server_settings, capsys) -> None:
    from app.headless import serve_headless

    code = await serve_headless(runtime, server_settings.replace(api_host="0.0.0.0"), asyncio.Event())
    assert code == 2 and "needs an access token" in capsys.readouterr().err
    off = await serve_headless(runtime, server_settings.replace(api_enabled=False), asyncio.Event())
    assert off == 2 and "turned off" in capsys.readouterr().err
