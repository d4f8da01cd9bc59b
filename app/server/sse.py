"""The stream response: the backlog through ASGI, then the socket handed to the hub for live events.

A client's backlog (history and ring) goes out through ordinary ASGI `send`s. Then, when the server is ours (the
connection guard puts its protocol in the request scope), the hub writes every live event's shared bytes straight
to the client's socket, as one HTTP/1.1 chunk when the response is chunked, and this response only waits: for the
client to go away, to fall too far behind (it then gets a final `error` event through ASGI), or for the server to
stop. Without that protocol it streams live events itself, as before.
"""

from __future__ import annotations

import contextlib
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.server.hub import EventHub
from app.server.stream_client import StreamClient

PROTOCOL_KEY = "aisle.protocol"
HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-store"),
           (b"x-accel-buffering", b"no")]


class HubStreamResponse(Response):
    def __init__(self, hub: EventHub, client: StreamClient, heartbeat_s: float) -> None:
        super().__init__(media_type="text/event-stream")
        self.hub = hub
        self.client = client
        self.heartbeat_s = heartbeat_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client, hub = self.client, self.hub
        protocol: Any = scope.get("extensions", {}).get(PROTOCOL_KEY)
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            direct = protocol is not None and scope.get("method") == "GET"
            if direct:
                protocol.on_connection_lost = client.close  # a client that goes away is let go at once
            async with contextlib.aclosing(hub.stream(client, until_live=direct, heartbeat_s=self.heartbeat_s)) as out:
                async for chunk in out:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if direct and not client.closed and not client.overflowed:
                client.go_live(protocol.transport, bool(getattr(protocol.cycle, "chunked_encoding", False)))
                while not client.closed and not client.overflowed:
                    client.wake.clear()
                    await client.wake.wait()
                client.transport = None
                if client.overflowed and not client.closed:
                    await send({"type": "http.response.body", "body": hub.too_slow(client), "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            client.transport = None
            hub.unregister(client)
