"""The REST side through a real server: sessions, carts, catalog, health, auth, CORS, bad input, rate limits."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.server import ApiServer, ApiServerError
from app.server.auth import is_loopback
from app.server.hub import BadLastEventId, ResumePoint, parse_last_event_id
from app.server.ratelimit import RateLimiter
from tests.server.conftest import Live, SseReader

TOKEN = "s3cret-token-for-tests"


async def turn(live: Live, text: str) -> str:
    """Post a message to `current` and wait for the reply to finish."""
    async with live.client.stream("GET", "api/stream/current") as response:
        reader = SseReader(response)
        r = await live.client.post("api/sessions/current/messages", json={"text": text})
        assert r.status_code == 202, r.text
        events = await reader.until("completion")
        while events[-1].data["session_id"] != r.json()["session_id"] or not events[-1].data["data"].get("text"):
            events = await reader.until("completion")
    return str(r.json()["session_id"])


# -- happy paths ------------------------------------------------------------------------------------------------------

async def test_health_reports_brain_audio_database_uptime(live: Live) -> None:
    body = (await live.client.get("health")).json()
    assert body["status"] == "ok"
    assert body["brain"] == "offline"
    assert body["audio"] == "off"
    assert body["database"] == {"catalog": "ok", "history": "ok"}
    assert body["uptime_s"] >= 0


async def test_sessions_session_and_cart(live: Live) -> None:
    session_id = await turn(live, "show me headlamps")
    product = (await live.client.get(f"api/sessions/{session_id}")).json()["tool_calls"][0]["result"]["products"][0]
    await turn(live, "add the first one to my cart")

    listing = (await live.client.get("api/sessions")).json()
    assert listing["active"] == session_id
    assert listing["sessions"][0]["id"] == session_id and listing["sessions"][0]["active"] is True

    detail = (await live.client.get("api/sessions/current")).json()
    assert detail["id"] == session_id
    assert [t["role"] for t in detail["turns"]] == ["shopper", "assistant", "shopper", "assistant"]
    assert {c["name"] for c in detail["tool_calls"]} >= {"search_products", "add_to_cart"}
    assert detail["cart"]["items"][0]["product_id"] == product["id"]
    assert detail["turn_count"] == 2

    cart = (await live.client.get(f"api/cart/{session_id}")).json()
    assert cart["active"] is True
    assert cart["cart"]["item_count"] == 1 and cart["cart"]["total"] == product["price"]

    await live.runtime.conversation.end_session("idle")
    ended = (await live.client.get(f"api/cart/{session_id}")).json()  # from history after the session ended
    assert ended["active"] is False and ended["cart"]["item_count"] == 1


async def test_catalog_routes(live: Live) -> None:
    found = (await live.client.get("api/products", params={"q": "tent", "max_price": 300, "limit": 3})).json()
    assert 0 < found["count"] <= 3
    assert all(p["price"] <= 300 for p in found["products"])
    first = found["products"][0]
    assert first["image_url"] == f"/api/products/{first['id']}/image"
    by_category = (await live.client.get("api/products", params={"category": "Headlamps"})).json()
    assert by_category["count"] > 0 and {p["category"] for p in by_category["products"]} == {"headlamps"}

    detail = (await live.client.get(f"api/products/{first['id']}")).json()
    assert detail["id"] == first["id"] and "specs" in detail and "description" in detail
    image = await live.client.get(first["image_url"])
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg+xml")
    assert image.text.lstrip().startswith("<svg")

    categories = (await live.client.get("api/categories")).json()
    assert {"slug": "tents", "name": "Tents"} in categories


async def test_openapi_docs_and_page(live: Live) -> None:
    doc = (await live.client.get("openapi.json")).json()
    paths = set(doc["paths"])
    assert {"/api/stream/{session_id}", "/api/sessions/{session_id}/messages", "/api/sessions",
            "/api/sessions/{session_id}", "/api/cart/{session_id}", "/api/products", "/api/products/{product_id}",
            "/api/products/{product_id}/image", "/api/categories", "/health"} <= paths
    assert "swagger" in (await live.client.get("docs")).text.lower()
    page = await live.client.get("/")
    assert page.status_code == 200 and "Aisle" in page.text
    assert (await live.client.get("static/app.js")).status_code == 200


# -- bad input --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "status", "code"), [
    (b'{"text": ', 400, "malformed_json"),
    (b"[1, 2]", 400, "malformed_body"),
    (b"{}", 422, "invalid_request"),
    (b'{"text": 5}', 422, "invalid_request"),
    (b'{"text": "   "}', 422, "invalid_text"),
    (('{"text": "' + "a" * 1001 + '"}').encode(), 422, "invalid_text"),
])
async def test_bad_messages(live: Live, body: bytes, status: int, code: str) -> None:
    r = await live.client.post("api/sessions/current/messages", content=body,
                               headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert r.json()["detail"]


async def test_message_limit_is_in_words(live: Live) -> None:
    r = await live.client.post("api/sessions/current/messages", json={"text": "a" * 1001})
    assert r.json()["detail"] == "The message is too long (1001 characters; the limit is 1000)."
    r = await live.client.post("api/sessions/current/messages", json={})
    assert r.json()["detail"] == "Invalid request: text is required."
    ok = await live.client.post("api/sessions/current/messages", json={"text": "a" * 1000})
    assert ok.status_code == 202


async def test_unknown_and_ended_sessions(live: Live) -> None:
    for method, path in [("GET", "api/stream/20200101-000000-abcdef"), ("GET", "api/sessions/nope"),
                         ("GET", "api/cart/nope"), ("POST", "api/sessions/nope/messages")]:
        r = await live.client.request(method, path, json={"text": "hi"} if method == "POST" else None)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["code"] == "unknown_session"
        assert "nope" in r.json()["detail"] or "2020" in r.json()["detail"]
    session_id = await turn(live, "tents")
    await live.runtime.conversation.end_session("idle")
    r = await live.client.post(f"api/sessions/{session_id}/messages", json={"text": "hello again"})
    assert r.status_code == 409 and r.json()["code"] == "session_ended"
    assert (await live.client.get("api/sessions/bad%20id!")).status_code == 422


async def test_no_session_yet(live: Live) -> None:
    r = await live.client.get("api/cart/current")
    assert r.status_code == 404 and r.json()["code"] == "no_session"


async def test_unknown_product_category_and_bad_parameters(live: Live) -> None:
    r = await live.client.get("api/products/NOPE-1")
    assert r.status_code == 404 and r.json() == {"detail": "There is no product with id 'NOPE-1'.",
                                                 "code": "unknown_product"}
    assert (await live.client.get("api/products/NOPE-1/image")).status_code == 404
    r = await live.client.get("api/products", params={"category": "spaceships"})
    assert r.status_code == 404 and "tents" in r.json()["detail"] and r.json()["code"] == "unknown_category"
    for params in ({"limit": 0}, {"limit": "many"}, {"max_price": -1}):
        r = await live.client.get("api/products", params=params)
        assert r.status_code == 422 and r.json()["code"] == "invalid_request", params
    r = await live.client.get("api/stream/current", headers={"Last-Event-ID": "yesterday"})
    assert r.status_code == 400 and r.json()["code"] == "bad_last_event_id"
    r = await live.client.get("api/nothing-here")
    assert r.status_code == 404 and "/docs" in r.json()["detail"]


async def test_posting_is_rate_limited_per_client(make_live) -> None:
    live: Live = await make_live(api_post_burst=3, api_post_rate_per_min=6)
    async with live.client:
        codes = [(await live.client.post("api/sessions/current/messages", json={"text": f"tents {i}"})).status_code
                 for i in range(4)]
        assert codes == [202, 202, 202, 429]
        r = await live.client.post("api/sessions/current/messages", json={"text": "tents"})
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 10


def test_token_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0, 0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0  # per client
    now[0] = 1.0
    assert limiter.take("a") == 0


# -- auth and CORS ----------------------------------------------------------------------------------------------------

async def test_token_is_required_everywhere_but_health(make_live) -> None:
    live: Live = await make_live(api_token=TOKEN)
    async with live.client as c:
        assert (await c.get("health")).status_code == 200
        for method, path in [("GET", "api/sessions"), ("GET", "api/products"), ("GET", "api/stream/current"),
                             ("POST", "api/sessions/current/messages"), ("GET", "/"), ("GET", "openapi.json"),
                             ("GET", "docs")]:
            r = await c.request(method, path, json={"text": "hi"} if method == "POST" else None)
            assert r.status_code == 401, path
            assert r.json()["code"] == "unauthorized" and r.headers["www-authenticate"].startswith("Bearer")
            wrong = await c.request(method, path, headers={"Authorization": "Bearer nope"},
                                    json={"text": "hi"} if method == "POST" else None)
            assert wrong.status_code == 401, path
        good = {"Authorization": f"Bearer {TOKEN}"}
        assert (await c.get("api/sessions", headers=good)).status_code == 200
        assert (await c.post("api/sessions/current/messages", headers=good, json={"text": "tents"})).status_code == 202
        # browsers' EventSource, <img> and page loads cannot send headers: GET may use ?token=
        assert (await c.get("/", params={"token": TOKEN})).status_code == 200
        assert (await c.get("api/products/TNT-1001/image", params={"token": TOKEN})).status_code == 200
        async with c.stream("GET", "api/stream/current", params={"token": TOKEN}) as response:
            assert response.status_code == 200
        # ...but not POST
        r = await c.post("api/sessions/current/messages", params={"token": TOKEN}, json={"text": "tents"})
        assert r.status_code == 401


async def test_token_from_environment(make_live, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISLE_API_TOKEN", TOKEN)
    live: Live = await make_live()
    async with live.client as c:
        assert (await c.get("api/categories")).status_code == 401
        assert (await c.get("api/categories", headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 200


async def test_refuses_a_public_address_without_a_token(runtime, server_settings) -> None:
    server = ApiServer(runtime, server_settings.replace(api_host="0.0.0.0"), asyncio.get_running_loop())
    with pytest.raises(ApiServerError, match=r"0\.0\.0\.0.*access token.*AISLE_API_TOKEN"):
        server.start()
    assert not server.running


async def test_public_address_with_a_token_starts(make_live) -> None:
    live: Live = await make_live(api_host="0.0.0.0", api_token=TOKEN)
    async with live.client as c:
        assert live.server.url == f"http://127.0.0.1:{live.server.port}/"
        assert (await c.get("api/categories")).status_code == 401
        assert (await c.get("health")).status_code == 200


async def test_port_in_use_is_reported(live: Live, runtime, server_settings) -> None:
    other = ApiServer(runtime, server_settings.replace(api_port=live.server.port), asyncio.get_running_loop())
    with pytest.raises(ApiServerError, match="already in use"):
        other.start()


async def test_disabled_server_does_not_start(runtime, server_settings) -> None:
    server = ApiServer(runtime, server_settings.replace(api_enabled=False), asyncio.get_running_loop())
    assert server.start() is False and server.url is None


async def test_cors_allow_list(make_live) -> None:
    live: Live = await make_live(cors_origins=("http://tablet.local",))
    async with live.client as c:
        ok = await c.get("api/categories", headers={"Origin": "http://tablet.local"})
        assert ok.headers["access-control-allow-origin"] == "http://tablet.local"
        other = await c.get("api/categories", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = await c.options("api/sessions/current/messages", headers={
            "Origin": "http://tablet.local", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]


async def test_no_cors_headers_without_an_allow_list(live: Live) -> None:
    r = await live.client.get("api/categories", headers={"Origin": "http://tablet.local"})
    assert "access-control-allow-origin" not in r.headers


def test_loopback_detection_and_last_event_id_parsing() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("kiosk.local")
    assert parse_last_event_id(None) is None and parse_last_event_id(" ") is None
    assert parse_last_event_id("42") == ResumePoint(None, 42)
    assert parse_last_event_id("20261123-1:7") == ResumePoint("20261123-1", 7)
    for bad in ("x", "-1", ":5", "a:b", "1" * 20):
        with pytest.raises(BadLastEventId):
            parse_last_event_id(bad)


async def test_server_works_when_the_app_loop_is_another_thread(threaded_app) -> None:
    """The kiosk case: the conversation's loop is not the loop the client runs on."""
    assert threaded_app.server is not None and threaded_app.server.url is not None
    async with httpx.AsyncClient(base_url=threaded_app.server.url, timeout=10) as c, \
            c.stream("GET", "api/stream/current") as response:
        reader = SseReader(response)
        await reader.until("context")
        r = await c.post("api/sessions/current/messages", json={"text": "tents under 200"})
        assert r.status_code == 202
        events = await reader.until("completion")
    assert any(e.event == "function_call" for e in events)
