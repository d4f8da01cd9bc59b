"""The endpoint cannot be starved or fooled: header and connection limits, no trust of forwarded headers, HEAD,
JSON errors for every status, invisible-only text refused, a made-up Last-Event-ID still gets the live stream, and
/health that checks what it reports."""

from __future__ import annotations

import asyncio
import json
import resource
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from app.compose.runtime import build_runtime
from app.runtime import Runtime
from app.server import ApiServer
from app.server.protocol import connection_limit
from app.settings import Settings
from tests.server.conftest import Live, SseReader


@asynccontextmanager
async def serving(runtime: Runtime, settings: Settings) -> AsyncIterator[tuple[ApiServer, httpx.AsyncClient]]:
    server = ApiServer(runtime, settings.replace(api_host="127.0.0.1", api_port=0), asyncio.get_running_loop())
    server.start()
    assert server.url is not None
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            yield server, client
    finally:
        await server.aclose()


async def raw_exchange(port: int, request: bytes, read_s: float = 5.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), read_s)
    finally:
        writer.close()


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """One whole response with a Content-Length body."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
    return head + await asyncio.wait_for(reader.readexactly(length), 5)


async def test_head_answers_wherever_get_does(live: Live) -> None:
    for path in ("health", "", "api/products?q=tent", "api/categories", "docs"):
        head = await live.client.head(path)
        assert head.status_code == 200 and head.content == b"", path
    assert (await live.client.head("api/stream/no-such-session")).status_code == 404


async def test_every_error_is_json(live: Live) -> None:
    too_big = await live.client.post("api/sessions/current/messages", content=b'{"text": "' + b"a" * 20000 + b'"}',
                                     headers={"content-type": "application/json"})
    assert too_big.status_code == 413 and too_big.json()["code"] == "too_large"
    wrong_method = await live.client.delete("health")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"
    nowhere = await live.client.get("no/such/route")
    assert nowhere.status_code == 404 and "no route" in nowhere.json()["detail"]
    garbage = await raw_exchange(live.port, b"GARBAGE \x00\x01 HTTP/9\r\n\r\n")
    head, _, body = garbage.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and json.loads(body)["code"] == "bad_http"


async def test_text_that_is_only_invisible_characters_is_refused(live: Live) -> None:
    for text in ("\x00\x00\x00", "\u200b\u200c\u200d", "\ufeff \u2060"):
        r = await live.client.post("api/sessions/current/messages", json={"text": text})
        assert r.status_code == 422 and r.json()["detail"] == "The message is empty.", repr(text)
    ok = await live.client.post("api/sessions/current/messages", json={"text": "tents\u200b"})
    assert ok.status_code == 202 and ok.json()["text"] == "tents"


async def test_a_last_event_id_beyond_the_session_gets_the_live_stream_and_a_notice(live: Live) -> None:
    r = await live.client.post("api/sessions/current/messages", json={"text": "show me tents"})
    session_id = r.json()["session_id"]
    await asyncio.sleep(0.3)
    async with live.client.stream("GET", f"api/stream/{session_id}", headers={"Last-Event-ID": "99999"}) as response:
        reader = SseReader(response)
        notice = await reader.next()
        assert notice is not None and notice.event == "notice"
        assert notice.data["data"]["code"] == "unknown_last_event_id" and notice.id is None
        newest = notice.data["data"]["last_event_id"]
        await live.client.post(f"api/sessions/{session_id}/messages", json={"text": "the cheapest one"})
        events = await reader.until("completion")
        assert events[0].event == "shopper_message" and events[0].event_id == newest + 1


async def test_forwarded_headers_are_not_trusted_unless_configured(runtime: Runtime, settings: Settings) -> None:
    strict = settings.replace(api_post_burst=2, api_post_rate_per_min=1.0)
    async with serving(runtime, strict) as (_, client):
        codes = [(await client.post("api/sessions/current/messages", json={"text": "tents"},
                                    headers={"X-Forwarded-For": f"10.0.0.{i}"})).status_code for i in range(4)]
        assert codes == [202, 202, 429, 429]
    async with serving(runtime, strict.replace(trusted_proxies=("127.0.0.1",))) as (_, client):
        codes = [(await client.post("api/sessions/current/messages", json={"text": "tents"},
                                    headers={"X-Forwarded-For": f"10.0.1.{i}"})).status_code for i in range(4)]
        assert codes == [202, 202, 202, 202]  # behind a trusted proxy each shopper has its own bucket


async def test_half_open_connections_cannot_starve_the_server(runtime: Runtime, settings: Settings) -> None:
    tight = settings.replace(api_max_connections=16, api_header_timeout_s=1.0)
    async with serving(runtime, tight) as (server, client):
        assert server.port is not None
        idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(16)]
        for _, writer in idle[:8]:
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # headers never finished (slowloris)
        await asyncio.sleep(0.2)
        refused = await raw_exchange(server.port, b"")
        head, _, body = refused.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503") and json.loads(body)["code"] == "too_many_connections"
        for reader, _ in idle:  # each idle one is answered 408 and closed after the header timeout
            answer = await asyncio.wait_for(reader.read(), 5)
            assert answer.startswith(b"HTTP/1.1 408")
        for _, writer in idle:
            writer.close()
        assert (await client.get("health")).status_code == 200


def test_the_connection_limit_stays_below_the_descriptor_limit() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert connection_limit(10**7) <= soft - 128
    assert connection_limit(20) == 20


def test_the_systemd_unit_raises_the_descriptor_limit() -> None:
    unit = (Path(__file__).resolve().parents[2] / "packaging" / "linux" / "aisle.service.in").read_text()
    assert "\nLimitNOFILE=" in unit


async def test_health_searches_the_catalog_and_a_partly_corrupt_one_is_not_ok(
        settings: Settings, catalog_copy: Path) -> None:
    with sqlite3.connect(catalog_copy) as conn:
        conn.execute("update products_fts_data set block = x'0102030405' where id > 10")
    runtime = build_runtime(settings.replace(catalog=catalog_copy))
    try:
        async with serving(runtime, settings) as (_, client):
            health = (await client.get("health")).json()
            assert health["status"] == "degraded" and health["database"]["catalog"].startswith("error")
            assert health["database"]["history"] == "ok"
    finally:
        await runtime.close()


async def test_keep_alive_connections_are_closed_when_idle_or_slow(runtime: Runtime, settings: Settings) -> None:
    tight = settings.replace(api_header_timeout_s=1.0, api_keepalive_s=1.0)
    async with serving(runtime, tight) as (server, _):
        assert server.port is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await read_response(reader)).startswith(b"HTTP/1.1 200")
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # a second request whose headers never end
        rest = await asyncio.wait_for(reader.read(), 5)
        assert b"HTTP/1.1 408" in rest and b"header_timeout" in rest
        writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        await read_response(reader)
        assert await asyncio.wait_for(reader.read(), 5) == b""  # idle after the answer: closed by the server
        writer.close()
