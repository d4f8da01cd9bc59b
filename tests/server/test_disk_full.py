"""A kiosk whose disk fills up mid-conversation, over HTTP: posts are still taken and answered, /health says
"degraded" and why, the stream carries an `error` event, and once space returns every turn is in history."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from app.compose.runtime import build_runtime
from app.server import ApiServer
from app.settings import Settings
from tests.server.conftest import SseReader
from tests.small_disk import fill, free, small_tmpfs


async def test_a_full_disk_is_reported_and_nothing_is_lost(tmp_path: Path, demo_catalog_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", "3m") as disk:
        settings = Settings(data_dir=disk / "data", catalog=demo_catalog_path, api_port=0, api_post_burst=100)
        runtime = build_runtime(settings)
        server = ApiServer(runtime, settings, asyncio.get_running_loop())
        server.start()
        assert server.url is not None
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
                first = await client.post("api/sessions/current/messages", json={"text": "show me tents"})
                session_id = first.json()["session_id"]
                assert (await client.get("health")).json()["status"] == "ok"
                filler = await asyncio.to_thread(fill, disk)
                said = [f"do you have sleeping bags number {i}? " + "please " * 120 for i in range(12)]
                async with client.stream("GET", f"api/stream/{session_id}") as response:
                    reader = SseReader(response)
                    seen = []
                    for text in said:
                        r = await client.post("api/sessions/current/messages", json={"text": text})
                        assert r.status_code == 202
                        seen += await reader.until("completion")  # the conversation goes on
                    error = next(e for e in seen if e.event == "error")
                    assert error.data["data"]["code"] == "history_unavailable"
                    assert "disk is full" in error.data["data"]["message"]
                health = (await client.get("health")).json()
                assert health["status"] == "degraded" and "the disk is full" in health["database"]["history"]
                free(filler)
                for _ in range(100):
                    health = (await client.get("health")).json()
                    if health["status"] == "ok":
                        break
                    await asyncio.sleep(0.1)
                assert health["status"] == "ok", health
                past = (await client.get(f"api/sessions/{session_id}")).json()
                shopper = [t["text"] for t in past["turns"] if t["role"] == "shopper"]
                assert shopper == ["show me tents", *[" ".join(t.split()) for t in said]]
                assert runtime.history.health().dropped == 0
        finally:
            await server.aclose()
            await runtime.close()
