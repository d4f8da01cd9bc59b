"""The kiosk always starts: on a read-only disk where its data directory cannot even be created, headless mode
serves with read-only history, says why in words (no traceback), and /health says
"degraded"."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx

from tests.server.test_headless import start, wait_for_url
from tests.small_disk import remount, small_tmpfs


async def test_headless_starts_on_a_read_only_disk(tmp_path: Path, demo_catalog_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", "1m") as disk:
        remount(disk, "ro")
        proc = start(tmp_path, demo_catalog_path, "--port", "0", "--no-voice", "--data-dir", str(disk / "data"))
        try:
            url = await asyncio.to_thread(wait_for_url, proc)
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                health = (await client.get("health")).json()
                assert health["status"] == "degraded" and health["database"]["history"].startswith("read_only")
                assert health["database"]["catalog"] == "ok"
                r = await client.post("api/sessions/current/messages", json={"text": "show me tents"})
                assert r.status_code == 202  # the conversation works, it is just not kept
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.to_thread(proc.communicate, timeout=30)
            assert proc.returncode == 0
            assert "Session history cannot be written (the disk is read-only)" in err and "Traceback" not in err
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


async def test_the_shipped_catalog_is_used_when_the_data_directory_cannot_be_created(tmp_path: Path) -> None:
    from app.compose.runtime import build_runtime
    from app.settings import Settings

    with small_tmpfs(tmp_path / "disk", "1m") as disk:
        remount(disk, "ro")
        runtime = build_runtime(Settings(data_dir=disk / "data"))
        try:
            assert any("using the shipped demo catalog" in n for n in runtime.startup_notices)
            assert runtime.catalog.count() > 0 and runtime.history.health().state == "read_only"
            await runtime.conversation.submit_text("show me tents")
        finally:
            await runtime.close()
