"""The SSE stream through a real server: posted turns stream back, resume without loss or duplicates, `current`
follows the kiosk, many clients see the same events, slow clients are cut off, disconnects clean up."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from app.events import NoticePosted
from tests.server.conftest import Live, SseReader

TENTS = "show me tents under 300"


async def post(live: Live, text: str, session: str = "current") -> str:
    response = await live.client.post(f"api/sessions/{session}/messages", json={"text": text})
    assert response.status_code == 202, response.text
    return str(response.json()["session_id"])


async def test_posted_message_yields_function_call_and_completion(live: Live) -> None:
    async with live.client.stream("GET", "api/stream/current") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = SseReader(response)
        session_id = await post(live, TENTS)
        events = await reader.until("completion")
    kinds = [e.event for e in events]
    assert kinds[0] == "session_started"
    assert "shopper_message" in kinds and "text_chunk" in kinds
    call = next(e for e in events if e.event == "function_call")
    assert call.data["data"]["name"] == "search_products"
    assert call.data["data"]["result"]["count"] > 0
    completion = events[-1].data
    assert completion["data"]["text"]
    for e in events:  # SSE id, event name and JSON data agree; every event has its timestamp
        assert e.data["session_id"] == session_id
        assert e.id == f"{session_id}:{e.data['id']}"
        assert e.event == e.data["event"]
        assert isinstance(e.data["timestamp"], float)
    ids = [e.event_id for e in events]
    assert ids == list(range(1, len(ids) + 1))
    message = next(e for e in events if e.event == "shopper_message")
    assert message.data["data"] == {"text": TENTS, "source": "api"}


async def test_per_session_stream_uses_plain_ids(live: Live) -> None:
    session_id = await post(live, TENTS)
    async with live.client.stream("GET", f"api/stream/{session_id}") as response:
        events = await SseReader(response).until("completion")
    assert [e.id for e in events] == [str(e.event_id) for e in events]
    assert events[0].event == "session_started"


@pytest.mark.parametrize("ring_size", [16, 1000], ids=["from-history", "from-memory"])
async def test_last_event_id_resumes_without_loss_or_duplicates(make_live, ring_size: int) -> None:
    live: Live = await make_live(sse_ring_size=ring_size)
    texts = [TENTS, "sleeping bags under 150", "headlamps", "water filters", "trekking poles", "camp stoves"]
    async with live.client, live.client.stream("GET", "api/stream/current") as observed:
        observer = SseReader(observed)  # the ground truth: one client that never left
        everything = []
        session_id = await post(live, texts[0])
        everything += await observer.until("completion")
        # a second client follows the first turn, then goes away
        async with live.client.stream("GET", f"api/stream/{session_id}") as response:
            first = await SseReader(response).until("completion")
        for text in texts[1:]:  # the kiosk talks on while it is away (longer than the small ring holds)
            await post(live, text)
            everything += await observer.until("completion")
        last_seen = first[-1].event_id
        headers = {"Last-Event-ID": str(last_seen)}
        async with live.client.stream("GET", f"api/stream/{session_id}", headers=headers) as response:
            reader = SseReader(response)
            resumed = []
            while len(resumed) < len(everything) - last_seen:
                event = await reader.next()
                assert event is not None
                resumed.append(event)
            with pytest.raises(TimeoutError):  # nothing is pending: no duplicates trail behind
                await reader.next(wait_s=0.3)
    ids = [e.event_id for e in everything]
    assert ids == list(range(1, len(ids) + 1))
    assert len(ids) - last_seen > ring_size or ring_size > 100
    assert [e.event_id for e in resumed] == list(range(last_seen + 1, len(ids) + 1))
    assert [e.data for e in resumed] == [e.data for e in everything[last_seen:]]


async def test_resume_then_live_has_no_gap(live: Live) -> None:
    """Events published while a resumed client is reading its backlog arrive once, in order, after it."""
    session_id = await post(live, TENTS)
    async with live.client.stream("GET", f"api/stream/{session_id}") as response:
        await SseReader(response).until("completion")
    async with live.client.stream("GET", f"api/stream/{session_id}", headers={"Last-Event-ID": "2"}) as response:
        reader = SseReader(response)
        first = await reader.next()
        assert first is not None and first.event_id == 3
        await post(live, "sleeping bags under 150")
        rest = await reader.until("completion")  # the end of the first turn, from the backlog
        rest += await reader.until("completion")  # the new turn, live
        assert rest[-1].data["data"]["text"] and "sleeping" in rest[-1].data["data"]["text"].lower()
    ids = [first.event_id] + [e.event_id for e in rest]
    assert ids == list(range(3, 3 + len(ids)))


async def test_two_clients_see_the_same_events(live: Live) -> None:
    async with live.client.stream("GET", "api/stream/current") as a, \
            live.client.stream("GET", "api/stream/current") as b:
        reader_a, reader_b = SseReader(a), SseReader(b)
        await live.wait_for(lambda: live.hub_clients == 2)
        await post(live, TENTS)
        events_a, events_b = await asyncio.gather(reader_a.until("completion"), reader_b.until("completion"))
    assert [(e.id, e.event, e.data) for e in events_a] == [(e.id, e.event, e.data) for e in events_b]
    assert len(events_a) > 5


async def test_current_follows_an_idle_reset(live: Live) -> None:
    conversation = live.runtime.conversation
    first = await conversation.start_session()
    async with live.client.stream("GET", "api/stream/current") as response:
        reader = SseReader(response)
        await post(live, TENTS)
        await reader.until("completion")
        await conversation.end_session("idle")  # what the kiosk's idle timer does
        second = await conversation.start_session()
        ended = await reader.until("session_ended")
        assert ended[-1].data["session_id"] == first.id
        assert ended[-1].data["data"]["reason"] == "idle"
        started = await reader.next()
        assert started is not None and started.event == "session_started"
        assert started.data["session_id"] == second.id and started.id == f"{second.id}:1"
        landed = await post(live, "headlamps")
        assert landed == second.id
        events = await reader.until("completion")
    assert {e.data["session_id"] for e in events} == {second.id}
    assert (await live.client.get("api/sessions")).json()["active"] == second.id


async def test_a_newcomer_never_sees_the_session_that_just_ended(live: Live) -> None:
    conversation = live.runtime.conversation
    await conversation.start_session()
    await post(live, TENTS)
    async with live.client.stream("GET", "api/stream/current") as response:
        await SseReader(response).until("completion")
    await conversation.end_session("idle")  # the shopper walked away; the kiosk waits for the next one
    async with live.client.stream("GET", "api/stream/current") as response:
        reader = SseReader(response)
        with pytest.raises(TimeoutError):
            await reader.next(wait_s=0.3)
        second = await conversation.start_session()
        events = await reader.until("context")
    assert {e.data["session_id"] for e in events} == {second.id}
    assert events[0].event == "session_started"


async def test_current_resume_across_sessions(live: Live) -> None:
    """A client that saw part of one session and comes back after the kiosk moved on gets the rest of that
    session, then the new one from its start."""
    conversation = live.runtime.conversation
    first = await conversation.start_session()
    await post(live, TENTS)
    async with live.client.stream("GET", "api/stream/current") as response:
        seen = await SseReader(response).until("completion")
    last = seen[2]  # it left early
    await conversation.end_session("idle")
    second = await conversation.start_session()
    async with live.client.stream("GET", "api/stream/current", headers={"Last-Event-ID": last.id or ""}) as response:
        reader = SseReader(response)
        rest_of_first = await reader.until("session_ended")
        new = await reader.until("context")
    assert [e.event_id for e in rest_of_first] == list(range(last.event_id + 1, rest_of_first[-1].event_id + 1))
    assert {e.data["session_id"] for e in rest_of_first} == {first.id}
    assert [e.event_id for e in new] == [1, 2] and {e.data["session_id"] for e in new} == {second.id}


async def test_heartbeat_comments_on_an_idle_stream(make_live) -> None:
    live: Live = await make_live(sse_heartbeat_s=0.2)
    async with live.client, live.client.stream("GET", "api/stream/current") as response:
        reader = SseReader(response)
        with pytest.raises(TimeoutError):
            await reader.next(wait_s=0.7)
    assert "connected" in reader.comments
    assert reader.comments.count("heartbeat") >= 2


async def test_disconnect_cleans_up(live: Live) -> None:
    session = await live.runtime.conversation.start_session()
    streams = []
    clients = [httpx.AsyncClient(base_url=live.base, timeout=5) for _ in range(3)]
    try:
        for i, client in enumerate(clients):
            path = "api/stream/current" if i % 2 else f"api/stream/{session.id}"
            cm = client.stream("GET", path)
            response = await cm.__aenter__()
            assert response.status_code == 200
            streams.append(cm)
        await live.wait_for(lambda: live.hub_clients == 3)
        for cm in streams:
            await cm.__aexit__(None, None, None)
    finally:
        for client in clients:
            await client.aclose()
    await live.wait_for(lambda: live.hub_clients == 0)
    head = await live.client.head("api/stream/current")  # headers only: nothing stays registered
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/event-stream")
    await live.wait_for(lambda: live.hub_clients == 0)
    health = (await live.client.get("health")).json()
    assert health["stream_clients"] == 0


async def test_slow_client_gets_a_final_error_and_is_disconnected(make_live) -> None:
    live: Live = await make_live(sse_client_queue=8, sse_send_timeout_s=30)
    session = await live.runtime.conversation.start_session()
    assert live.server.port is not None
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window fills quickly
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", live.server.port))
    await loop.sock_sendall(sock, f"GET /api/stream/{session.id} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    hub = live.server.hub
    assert hub is not None
    await live.wait_for(lambda: hub.client_count == 1)
    blob = "x" * 32_000
    for _ in range(2000):  # this client reads nothing while the kiosk keeps talking
        session.publish(NoticePosted("", text=blob))
        await asyncio.sleep(0.001)
        if hub.overflowed:
            break
    assert hub.overflowed == 1, "the slow client never fell behind"
    received = bytearray()
    while True:  # now it reads: what is left, then the final error, then the end
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 1 << 20), 10)
        if not chunk:
            break
        received += chunk
        if received.endswith(b"0\r\n\r\n"):  # the end of the chunked body
            break
    sock.close()
    text = received.decode("utf-8", "replace")
    tail = text[text.rfind("event: "):]
    assert tail.startswith("event: error")
    assert '"code":"too_slow"' in tail and "Last-Event-ID" in tail
    await live.wait_for(lambda: hub.client_count == 0)
    assert hub.dropped_slow == 1
    # It resumes from the last id it got.
    last_id = text[:text.rfind("event: error")].rsplit("id: ", 1)[1].split("\r\n", 1)[0]
    async with live.client, live.client.stream(
            "GET", f"api/stream/{session.id}", headers={"Last-Event-ID": last_id}) as response:
        nxt = await SseReader(response).next()
    assert nxt is not None and nxt.event_id == int(last_id) + 1


async def test_stopping_the_server_ends_streams(live: Live) -> None:
    await live.runtime.conversation.start_session()
    async with live.client.stream("GET", "api/stream/current") as response:
        reader = SseReader(response)
        await reader.until("context")
        await live.server.aclose()
        assert await reader.next(wait_s=5) is None


async def test_too_many_stream_clients_get_503(make_live) -> None:
    live: Live = await make_live(sse_max_clients=1)
    async with live.client, live.client.stream("GET", "api/stream/current") as first:
        assert first.status_code == 200
        await live.wait_for(lambda: live.hub_clients == 1)
        second = await live.client.get("api/stream/current")
        assert second.status_code == 503
        assert second.json()["code"] == "too_many_clients"


async def test_a_burst_of_events_reaches_a_live_client_whole_and_in_order(live: Live) -> None:
    session = await live.runtime.conversation.start_session()
    assert live.server.port is not None and live.server.hub is not None
    hub = live.server.hub
    reader, writer = await asyncio.open_connection("127.0.0.1", live.server.port)
    writer.write(f"GET /api/stream/{session.id} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
    await live.wait_for(lambda: any(c.transport is not None for cs in hub._by_session.values() for c in cs))
    first = session.publish(NoticePosted("burst", text="burst 0")).id
    for n in range(1, 200):  # no await in between: the hub takes them as one batch, or a few
        session.publish(NoticePosted("burst", text=f"burst {n}"))
    body = b""
    try:
        while b'"burst 199"' not in body:
            body += await asyncio.wait_for(reader.read(65536), 5)
    finally:
        writer.close()
    ids = [int(line[4:]) for line in body.split(b"\r\n") if line.startswith(b"id: ")]
    assert ids == sorted(set(ids)) and ids[-200:] == list(range(first, first + 200))  # each once, in order
