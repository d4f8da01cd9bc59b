"""kill -9 in the middle of a session: at the next start the session is closed as "interrupted" and every turn the
kiosk acknowledged before the kill is in history."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx

from app.compose.runtime import build_runtime
from app.settings import Settings
from tests.server.test_headless import start, wait_for_url


async def test_a_session_cut_off_by_kill_9_is_closed_as_interrupted(tmp_path: Path, demo_catalog_path: Path) -> None:
    proc = start(tmp_path, demo_catalog_path, "--port", "0", "--no-voice")
    try:
        url = await asyncio.to_thread(wait_for_url, proc)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            posted = await client.post("api/sessions/current/messages", json={"text": "show me tents"})
            session_id = posted.json()["session_id"]
            for _ in range(50):  # acknowledged and answered: the reply is in history once /api/sessions shows it
                past = (await client.get(f"api/sessions/{session_id}")).json()
                if len(past["turns"]) >= 2:
                    break
                await asyncio.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(proc.wait, 10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    runtime = build_runtime(Settings(data_dir=tmp_path / "data", catalog=demo_catalog_path))
    try:
        row = next(r for r in runtime.history.recent_sessions() if r["id"] == session_id)
        assert row["end_reason"] == "interrupted" and row["ended_at"] >= row["started_at"]
        detail = runtime.history.session(session_id)
        assert detail is not None and detail["turns_list"][0]["text"] == "show me tents"
    finally:
        await runtime.close()
