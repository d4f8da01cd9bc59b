"""A local stand-in for the OpenAI / Azure OpenAI Realtime service, faithful enough to test clients against.

Read this file to learn the protocol: what the service answers to each client event is in `_answer`, what a spoken
reply or a round of function calls looks like on the wire is in `_Response`.

Routes (all on 127.0.0.1, a random port), checked the way the service checks them:

    GET /v1/realtime?model=M                                  OpenAI GA         Authorization: Bearer <key>
    GET /openai/v1/realtime?model=DEPLOYMENT                  Azure GA v1       Authorization: Bearer <key|token>
    GET /openai/realtime?api-version=V&deployment=DEPLOYMENT  Azure deployment  api-key: <key> (or Bearer <token>)

The deployment route speaks the **beta** dialect when the api-version ends in `-preview`: server events go out
with their beta names (`response.audio.delta`, `conversation.item.created`, ...) and `session.update` must have
the flat beta shape. Everything else speaks GA.

On connect the server sends `session.created`. Unscripted, it answers like the service does: `session.update` →
`session.updated`, `input_audio_buffer.commit` → `committed` (+ the user item, + its transcript when transcription
is on), `conversation.item.create` → `conversation.item.added`, `conversation.item.truncate` → `truncated` (an
`error` if `audio_end_ms` is past the audio sent for the item), `conversation.item.delete` → `deleted`,
`response.cancel` → the active response ends `cancelled`, `response.create` → a short spoken reply (transcript +
sine-tone audio). Errors are `error` events; they never close the socket.

Scripts: `server.script(step, ...)` queues a script for the next connection. A script is a list of steps run in
order: `Send` these server events, `WaitFor` a client event, `Sleep`, `Close` with a code, `Drop` the TCP
connection, `AudioReply` (a whole spoken response: N audio deltas of a tone, given spacing), `FunctionCalls` (a
whole response with one or several calls), `Error`, and `RejectHandshake` (first step only: refuse the upgrade,
e.g. 401). While a script runs, `response.create` is left to the script; once it is over, default behaviour
resumes.

Everything is recorded: `server.sessions[i]` has the request path, query and headers, every client event (parsed
JSON with its arrival time) and every server event sent.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import itertools
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

SAMPLE_RATE = 24_000
BYTES_PER_MS = SAMPLE_RATE * 2 // 1000  # PCM16 mono: 48 bytes per millisecond
MIN_COMMIT_MS = 100  # the service refuses to commit less than 100 ms of audio

# GA server event names → beta names, for the routes that speak beta. Events missing here are named alike.
GA_TO_BETA = {
    "response.output_audio.delta": "response.audio.delta",
    "response.output_audio.done": "response.audio.done",
    "response.output_audio_transcript.delta": "response.audio_transcript.delta",
    "response.output_audio_transcript.done": "response.audio_transcript.done",
    "response.output_text.delta": "response.text.delta",
    "response.output_text.done": "response.text.done",
    "conversation.item.added": "conversation.item.created",
}
GA_ONLY = {"conversation.item.done"}  # not sent at all on beta routes
BETA_CONTENT_TYPES = {"output_audio": "audio", "output_text": "text"}

GA_SESSION_KEYS = {
    "type", "model", "instructions", "output_modalities", "audio", "tools", "tool_choice", "max_output_tokens",
    "include", "prompt", "tracing", "truncation",
}  # fmt: skip
BETA_SESSION_KEYS = {
    "model", "instructions", "modalities", "voice", "input_audio_format", "output_audio_format",
    "input_audio_transcription", "turn_detection", "tools", "tool_choice", "temperature", "max_response_output_tokens",
    "speed", "input_audio_noise_reduction", "tracing",
}  # fmt: skip


# --------------------------------------------------------------------------------------------------------------------
# Script steps
# --------------------------------------------------------------------------------------------------------------------


class Send:
    """Send these server events as they are (GA names; renamed to beta names on beta routes unless `raw`)."""

    def __init__(self, *events: Mapping[str, Any], raw: bool = False) -> None:
        self.events = tuple(dict(event) for event in events)
        self.raw = raw


@dataclass(frozen=True)
class WaitFor:
    """Wait until the client sends an event of this type (counting from the previous `WaitFor`)."""

    type: str
    timeout: float = 5.0


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Close:
    """Close the websocket with this code (1001 is what the service sends at its session time cap)."""

    code: int = 1001
    reason: str = "session expired"


@dataclass(frozen=True)
class Drop:
    """Vanish without a close frame (the client sees 1006, as on a network loss)."""


@dataclass(frozen=True)
class AudioReply:
    """A whole spoken response: `chunks` audio deltas of `chunk_ms` each (a sine tone), `spacing` seconds apart,
    with the transcript streamed alongside."""

    transcript: str = "Hello from the fake realtime server."
    chunks: int = 5
    chunk_ms: int = 40
    spacing: float = 0.0
    frequency: float = 440.0


@dataclass(frozen=True)
class TextReply:
    """A whole text-only response, streamed word by word."""

    text: str = "Hello from the fake realtime server."


@dataclass(frozen=True)
class FunctionCalls:
    """A whole response asking for these calls: each `(name, arguments)`, arguments as a dict or JSON text."""

    calls: Sequence[tuple[str, Mapping[str, Any] | str]]
    spacing: float = 0.0


@dataclass(frozen=True)
class Error:
    """An `error` event (the socket stays open)."""

    code: str
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class RejectHandshake:
    """Refuse the websocket upgrade with this HTTP status. Only meaningful as the first step of a script."""

    status: int = 401
    message: str = "Incorrect API key provided."
    code: str = "invalid_api_key"


Step = Send | WaitFor | Sleep | Close | Drop | AudioReply | TextReply | FunctionCalls | Error | RejectHandshake


# --------------------------------------------------------------------------------------------------------------------
# What gets recorded
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class ClientMessage:
    type: str
    data: dict[str, Any]
    at: float  # time.monotonic() on arrival


@dataclass
class Session:
    """One connection attempt: the request as it arrived, and everything exchanged afterwards."""

    path: str
    route: str  # "openai" | "azure_v1" | "azure_deployment" | "unknown"
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    dialect: str = "ga"  # "ga" | "beta"
    model: str = ""
    status: int = 101  # the HTTP status of the handshake answer
    received: list[ClientMessage] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None
    # server-side state
    config: dict[str, Any] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # conversation items by id, in order
    audio_sent_ms: dict[str, int] = field(default_factory=dict)  # assistant audio sent, per item id
    input_buffer_bytes: int = 0
    script: list[Any] = field(default_factory=list)
    script_running: bool = False
    wait_cursor: int = 0
    active: _Response | None = None
    websocket: ServerConnection | None = field(default=None, repr=False)
    changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def types(self) -> list[str]:
        """Types of the client events received, in order."""
        return [message.type for message in self.received]

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [message.data for message in self.received if message.type == event_type]

    def sent_types(self) -> list[str]:
        return [event["type"] for event in self.sent]


# --------------------------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------------------------


class FakeRealtimeServer:
    """`async with FakeRealtimeServer() as server:` then point a client at `server.url("/v1")`.

    `api_key`, when set, is the only key (or token) accepted; otherwise any non-empty credential is.
    `input_transcript` is what "the user said" in every committed audio buffer.
    """

    def __init__(self, *, api_key: str | None = None, input_transcript: str = "two bananas please") -> None:
        self.api_key = api_key
        self.input_transcript = input_transcript
        self.sessions: list[Session] = []
        self._scripts: list[list[Any]] = []
        self._pending: dict[int, Session] = {}
        self._server: Server | None = None
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()  # set whenever a connection or a client event arrives
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------------------------------

    async def start(self) -> FakeRealtimeServer:
        self._server = await serve(
            self._handle, "127.0.0.1", 0, process_request=self._process_request, max_size=None, compression=None
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeRealtimeServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def url(self, path: str = "/v1") -> str:
        """The websocket base URL to give a client: `/v1` (OpenAI), `/openai/v1` (Azure GA), `/openai` (Azure
        deployment route, as `AsyncAzureOpenAI(websocket_base_url=...)`)."""
        return f"ws://127.0.0.1:{self.port}{path}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting and waiting -------------------------------------------------------------------------------------

    def script(self, *steps: Step) -> None:
        """Queue a script for the next connection (scripts are used one per connection, in order)."""
        self._scripts.append(list(steps))

    async def wait_for_session(self, index: int = 0, *, within: float = 5.0) -> Session:
        """Wait until connection number `index` (0-based, refused ones included) has arrived."""
        async with asyncio.timeout(within):
            while True:
                self._changed.clear()
                if len(self.sessions) > index:
                    return self.sessions[index]
                await self._changed.wait()

    async def wait_for(
        self, event_type: str, *, count: int = 1, session: int = -1, within: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until `count` client events of `event_type` have arrived on a session; returns them."""
        async with asyncio.timeout(within):
            while True:
                self._changed.clear()
                found = self.sessions[session].of_type(event_type) if self.sessions else []
                if len(found) >= count:
                    return found
                await self._changed.wait()

    # -- handshake -------------------------------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        headers = {name.lower(): value for name, value in request.headers.raw_items()}
        session = Session(path=request.path, route="unknown", query=query, headers=headers)
        session.script = self._scripts.pop(0) if self._scripts else []
        self.sessions.append(session)
        self._changed.set()

        if parts.path == "/v1/realtime":
            session.route, session.model = "openai", query.get("model", "")
            missing = "model" if not session.model else None
        elif parts.path == "/openai/v1/realtime":
            session.route, session.model = "azure_v1", query.get("model", "")
            missing = "model" if not session.model else None
        elif parts.path == "/openai/realtime":
            session.route, session.model = "azure_deployment", query.get("deployment", "")
            version = query.get("api-version", "")
            session.dialect = "beta" if version.endswith("-preview") else "ga"
            missing = "api-version" if not version else "deployment" if not session.model else None
        else:
            return self._refuse(connection, session, 404, "Not found", "not_found")
        if missing:
            return self._refuse(connection, session, 400, f"Missing required parameter: '{missing}'.", "missing")

        if session.script and isinstance(session.script[0], RejectHandshake):
            step = session.script.pop(0)
            return self._refuse(connection, session, step.status, step.message, step.code)

        credential = self._credential(session)
        if not credential:
            return self._refuse(connection, session, 401, "Missing credentials.", "missing_api_key")
        if self.api_key is not None and credential != self.api_key:
            return self._refuse(connection, session, 401, "Incorrect API key provided.", "invalid_api_key")
        self._pending[id(connection)] = session
        return None

    def _credential(self, session: Session) -> str:
        bearer = session.headers.get("authorization", "")
        token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else ""
        if session.route == "openai":
            return token
        return session.headers.get("api-key", "") or token

    @staticmethod
    def _refuse(connection: ServerConnection, session: Session, status: int, message: str, code: str) -> Response:
        session.status = status
        body = json.dumps({"error": {"message": message, "type": "invalid_request_error", "code": code}})
        response = connection.respond(HTTPStatus(status), body)
        response.headers = Headers({"Content-Type": "application/json", "Content-Length": str(len(response.body))})
        return response

    # -- a connection ----------------------------------------------------------------------------------------------

    async def _handle(self, websocket: ServerConnection) -> None:
        session = self._pending.pop(id(websocket))
        session.websocket = websocket
        session.config = self._initial_session(session)
        await self._send(session, {"type": "session.created", "session": session.config})
        reader = asyncio.create_task(self._read(session))
        try:
            if session.script:
                session.script_running = True
                await self._run_script(session)
            session.script_running = False
            await reader
        except ConnectionClosed:
            pass
        finally:
            session.script_running = False
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await reader
            if session.active is not None:
                session.active.task.cancel()
            session.close_code = websocket.close_code

    async def _read(self, session: Session) -> None:
        assert session.websocket is not None
        async for raw in session.websocket:
            try:
                data = json.loads(raw)
            except ValueError:
                await self._error(session, "invalid_json", "The message is not valid JSON.")
                continue
            event_type = data.get("type", "") if isinstance(data, dict) else ""
            session.received.append(ClientMessage(event_type, data, time.monotonic()))
            session.changed.set()
            self._changed.set()
            await self._answer(session, data)

    async def _send(self, session: Session, event: dict[str, Any], *, raw: bool = False) -> None:
        """Send one server event, renamed for beta routes."""
        assert session.websocket is not None
        event = {"event_id": f"event_{next(self._ids)}", **event}
        if session.dialect == "beta" and not raw:
            if event["type"] in GA_ONLY:
                return
            event = _to_beta(event)
        session.sent.append(event)
        await session.websocket.send(json.dumps(event))

    async def _error(
        self, session: Session, code: str, message: str, *, param: str | None = None, event_id: str | None = None
    ) -> None:
        error = {"type": "invalid_request_error", "code": code, "message": message, "param": param}
        await self._send(session, {"type": "error", "error": {**error, "event_id": event_id}})

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"

    # -- scripts ---------------------------------------------------------------------------------------------------

    async def _run_script(self, session: Session) -> None:
        websocket = session.websocket
        assert websocket is not None
        for step in session.script:
            if isinstance(step, Send):
                for event in step.events:
                    await self._send(session, event, raw=step.raw)
            elif isinstance(step, WaitFor):
                await self._wait_for_step(session, step)
            elif isinstance(step, Sleep):
                await asyncio.sleep(step.seconds)
            elif isinstance(step, Close):
                await websocket.close(step.code, step.reason)
                return
            elif isinstance(step, Drop):
                websocket.transport.abort()
                return
            elif isinstance(step, AudioReply | TextReply | FunctionCalls):
                await self._respond(session, step)
            elif isinstance(step, Error):
                error = {"type": step.type, "code": step.code, "message": step.message, "param": step.param}
                await self._send(session, {"type": "error", "error": {**error, "event_id": step.event_id}})
            else:
                raise TypeError(f"not a script step: {step!r}")

    async def _wait_for_step(self, session: Session, step: WaitFor) -> None:
        async with asyncio.timeout(step.timeout):
            while True:
                session.changed.clear()
                for index in range(session.wait_cursor, len(session.received)):
                    if session.received[index].type == step.type:
                        session.wait_cursor = index + 1
                        return
                await session.changed.wait()

    # -- what the service answers ----------------------------------------------------------------------------------

    async def _answer(self, session: Session, event: dict[str, Any]) -> None:
        event_type = event.get("type")
        event_id = event.get("event_id")
        if event_type == "session.update":
            await self._session_update(session, event)
        elif event_type == "input_audio_buffer.append":
            try:
                audio = base64.b64decode(event.get("audio", ""), validate=True)
            except (binascii.Error, ValueError):
                await self._error(session, "invalid_value", "Invalid base64 audio.", param="audio", event_id=event_id)
                return
            session.input_buffer_bytes += len(audio)
        elif event_type == "input_audio_buffer.commit":
            await self._commit(session, event_id)
        elif event_type == "input_audio_buffer.clear":
            session.input_buffer_bytes = 0
            await self._send(session, {"type": "input_audio_buffer.cleared"})
        elif event_type == "conversation.item.create":
            await self._item_create(session, event)
        elif event_type == "conversation.item.truncate":
            await self._truncate(session, event)
        elif event_type == "conversation.item.delete":
            item_id = event.get("item_id", "")
            if session.items.pop(item_id, None) is None:
                await self._error(
                    session, "item_not_found", f"Item '{item_id}' not found.", param="item_id", event_id=event_id
                )
            else:
                await self._send(session, {"type": "conversation.item.deleted", "item_id": item_id})
        elif event_type == "response.create":
            if session.script_running:
                return  # the script answers
            if session.active is not None:
                await self._error(
                    session,
                    "conversation_already_has_active_response",
                    "Conversation already has an active response in progress.",
                    event_id=event_id,
                )
                return
            reply = AudioReply() if self._speaks(session) else TextReply()
            task = asyncio.create_task(self._respond(session, reply))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif event_type == "response.cancel":
            if session.active is None:
                await self._error(
                    session, "response_cancel_not_active", "Cancellation failed: no active response found.",
                    event_id=event_id,
                )  # fmt: skip
            else:
                await session.active.cancel()
        else:
            await self._error(
                session, "invalid_value", f"Invalid value: '{event_type}'.", param="type", event_id=event_id
            )

    async def _session_update(self, session: Session, event: dict[str, Any]) -> None:
        update = event.get("session")
        event_id = event.get("event_id")
        if not isinstance(update, dict):
            await self._error(session, "missing_required_parameter", "Missing 'session'.", event_id=event_id)
            return
        allowed = BETA_SESSION_KEYS if session.dialect == "beta" else GA_SESSION_KEYS
        for key in update:
            if key not in allowed:
                await self._error(
                    session, "unknown_parameter", f"Unknown parameter: 'session.{key}'.",
                    param=f"session.{key}", event_id=event_id,
                )  # fmt: skip
                return
        if session.dialect == "ga" and update.get("type") != "realtime":
            await self._error(
                session, "missing_required_parameter", "Missing required parameter: 'session.type'.",
                param="session.type", event_id=event_id,
            )  # fmt: skip
            return
        session.config = _merge(session.config, update)
        await self._send(session, {"type": "session.updated", "session": session.config})

    async def _commit(self, session: Session, event_id: str | None) -> None:
        buffered_ms = session.input_buffer_bytes // BYTES_PER_MS
        if buffered_ms < MIN_COMMIT_MS:
            await self._error(
                session,
                "input_audio_buffer_commit_empty",
                f"Error committing input audio buffer: buffer too small. Expected at least {MIN_COMMIT_MS}ms of "
                f"audio, but buffer only has {buffered_ms:.2f}ms of audio.",
                event_id=event_id,
            )
            return
        session.input_buffer_bytes = 0
        previous = next(reversed(session.items), None)
        item_id = self._new_id("item")
        item = {
            "id": item_id, "object": "realtime.item", "type": "message", "role": "user", "status": "completed",
            "content": [{"type": "input_audio", "transcript": None}],
        }  # fmt: skip
        session.items[item_id] = item
        await self._send(
            session, {"type": "input_audio_buffer.committed", "previous_item_id": previous, "item_id": item_id}
        )
        await self._send(session, {"type": "conversation.item.added", "previous_item_id": previous, "item": item})
        if self._transcribes(session):
            transcript = self.input_transcript
            ref = {"item_id": item_id, "content_index": 0}
            delta = {"type": "conversation.item.input_audio_transcription.delta", **ref, "delta": transcript}
            await self._send(session, delta)
            done = {"type": "conversation.item.input_audio_transcription.completed", **ref, "transcript": transcript}
            await self._send(session, done)

    async def _item_create(self, session: Session, event: dict[str, Any]) -> None:
        item = event.get("item")
        if not isinstance(item, dict) or item.get("type") not in ("message", "function_call", "function_call_output"):
            await self._error(
                session, "invalid_value", "Invalid 'item.type'.", param="item.type", event_id=event.get("event_id")
            )
            return
        previous = next(reversed(session.items), None)
        item = {"id": self._new_id("item"), "object": "realtime.item", "status": "completed", **item}
        session.items[item["id"]] = item
        await self._send(session, {"type": "conversation.item.added", "previous_item_id": previous, "item": item})
        await self._send(session, {"type": "conversation.item.done", "previous_item_id": previous, "item": item})

    async def _truncate(self, session: Session, event: dict[str, Any]) -> None:
        item_id = event.get("item_id", "")
        audio_end_ms = event.get("audio_end_ms")
        event_id = event.get("event_id")
        if item_id not in session.items:
            await self._error(
                session, "item_not_found", f"Item '{item_id}' not found.", param="item_id", event_id=event_id
            )
            return
        sent_ms = session.audio_sent_ms.get(item_id, 0)
        if not isinstance(audio_end_ms, int) or audio_end_ms <= 0 or audio_end_ms > sent_ms:
            await self._error(
                session,
                "invalid_value",
                f"Audio content of {sent_ms}ms is already shorter than {audio_end_ms}ms.",
                param="audio_end_ms",
                event_id=event_id,
            )
            return
        content_index = event.get("content_index", 0)
        await self._send(
            session,
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": content_index,
                "audio_end_ms": audio_end_ms,
            },
        )

    # -- responses -------------------------------------------------------------------------------------------------

    async def _respond(self, session: Session, step: AudioReply | TextReply | FunctionCalls) -> None:
        """Run one response; `response.cancel` may end it early (it then finishes as `cancelled`)."""
        response = _Response(self, session)
        session.active = response
        response.task = asyncio.create_task(response.run(step))
        await asyncio.wait([response.task])
        if not response.task.cancelled() and response.task.exception() is not None:
            pass  # the connection went away mid-response; nothing to tell anyone
        if session.active is response:
            session.active = None

    def _speaks(self, session: Session) -> bool:
        modalities = session.config.get("output_modalities") or session.config.get("modalities") or ["audio"]
        return "audio" in modalities

    def _transcribes(self, session: Session) -> bool:
        if session.dialect == "beta":
            return bool(session.config.get("input_audio_transcription"))
        return bool(session.config.get("audio", {}).get("input", {}).get("transcription"))

    def _initial_session(self, session: Session) -> dict[str, Any]:
        vad = {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 200,
               "create_response": True, "interrupt_response": True}  # fmt: skip
        session_id = self._new_id("sess")
        if session.dialect == "beta":
            return {
                "id": session_id, "object": "realtime.session", "model": session.model,
                "modalities": ["text", "audio"], "instructions": "", "voice": "alloy",
                "input_audio_format": "pcm16", "output_audio_format": "pcm16", "input_audio_transcription": None,
                "turn_detection": vad, "tools": [], "tool_choice": "auto", "temperature": 0.8,
                "max_response_output_tokens": "inf",
            }  # fmt: skip
        pcm = {"type": "audio/pcm", "rate": SAMPLE_RATE}
        return {
            "type": "realtime", "object": "realtime.session", "id": session_id, "model": session.model,
            "output_modalities": ["audio"], "instructions": "", "tools": [], "tool_choice": "auto",
            "max_output_tokens": "inf",
            "audio": {
                "input": {"format": pcm, "transcription": None, "noise_reduction": None, "turn_detection": vad},
                "output": {"format": pcm, "voice": "marin", "speed": 1.0},
            },
        }  # fmt: skip


class _Response:
    """One response as the service streams it: `response.created`, then per output item `output_item.added` →
    content (audio + transcript deltas, text deltas, or function-call argument deltas) → `output_item.done`, and
    finally `response.done` listing every output item, with usage, followed by `rate_limits.updated`."""

    def __init__(self, server: FakeRealtimeServer, session: Session) -> None:
        self.server = server
        self.session = session
        self.id = server._new_id("resp")
        self.output: list[dict[str, Any]] = []
        self.task: asyncio.Task[None] = None  # type: ignore[assignment]  # set right after construction
        self.audio_samples = 0
        self.finished = False

    async def send(self, event: dict[str, Any]) -> None:
        await self.server._send(self.session, event)

    async def run(self, step: AudioReply | TextReply | FunctionCalls) -> None:
        await self.send({"type": "response.created", "response": self._envelope("in_progress")})
        if isinstance(step, AudioReply):
            await self._audio_message(step)
        elif isinstance(step, TextReply):
            await self._text_message(step)
        else:
            for name, arguments in step.calls:
                await self._function_call(name, arguments)
                await asyncio.sleep(step.spacing)
        await self._done("completed")

    async def cancel(self) -> None:
        """`response.cancel`: stop streaming, mark the unfinished item incomplete, end the response `cancelled`."""
        if self.finished:
            return
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        for item in self.output:
            if item["status"] == "in_progress":
                item["status"] = "incomplete"
                await self.send(
                    {"type": "response.output_item.done", "response_id": self.id,
                     "output_index": self.output.index(item), "item": item}
                )  # fmt: skip
        await self._done("cancelled")

    def _envelope(self, status: str) -> dict[str, Any]:
        envelope: dict[str, Any] = {"id": self.id, "object": "realtime.response", "status": status, "output": []}
        modalities_key = "modalities" if self.session.dialect == "beta" else "output_modalities"
        envelope[modalities_key] = ["audio"] if self.server._speaks(self.session) else ["text"]
        return envelope

    async def _add_item(self, item: dict[str, Any]) -> int:
        previous = next(reversed(self.session.items), None)
        self.session.items[item["id"]] = item
        self.output.append(item)
        index = len(self.output) - 1
        await self.send({"type": "response.output_item.added", "response_id": self.id, "output_index": index,
                         "item": item})  # fmt: skip
        await self.send({"type": "conversation.item.added", "previous_item_id": previous, "item": item})
        return index

    async def _finish_item(self, index: int) -> None:
        item = self.output[index]
        item["status"] = "completed"
        await self.send({"type": "response.output_item.done", "response_id": self.id, "output_index": index,
                         "item": item})  # fmt: skip
        await self.send({"type": "conversation.item.done", "item": item})

    async def _audio_message(self, step: AudioReply) -> None:
        item_id = self.server._new_id("item")
        item = {"id": item_id, "object": "realtime.item", "type": "message", "role": "assistant",
                "status": "in_progress", "content": []}  # fmt: skip
        index = await self._add_item(item)
        ref = {"response_id": self.id, "item_id": item_id, "output_index": index, "content_index": 0}
        await self.send({"type": "response.content_part.added", **ref, "part": {"type": "output_audio",
                                                                                   "transcript": ""}})  # fmt: skip
        words = step.transcript.split(" ")
        per_chunk = max(1, math.ceil(len(words) / max(1, step.chunks)))
        samples_per_chunk = SAMPLE_RATE * step.chunk_ms // 1000
        spoken: list[str] = []
        self.session.audio_sent_ms[item_id] = 0
        for n in range(step.chunks):
            pcm = sine_pcm16(samples_per_chunk, step.frequency, start=n * samples_per_chunk)
            await self.send({"type": "response.output_audio.delta", **ref,
                             "delta": base64.b64encode(pcm).decode("ascii")})  # fmt: skip
            self.audio_samples += samples_per_chunk
            self.session.audio_sent_ms[item_id] = (n + 1) * samples_per_chunk * 1000 // SAMPLE_RATE
            piece = words[n * per_chunk : (n + 1) * per_chunk]
            if piece:
                text = (" " if spoken else "") + " ".join(piece)
                spoken.append(text)
                item["content"] = [{"type": "output_audio", "transcript": "".join(spoken)}]
                await self.send({"type": "response.output_audio_transcript.delta", **ref, "delta": text})
            if step.spacing:
                await asyncio.sleep(step.spacing)
        item["content"] = [{"type": "output_audio", "transcript": step.transcript}]
        await self.send({"type": "response.output_audio.done", **ref})
        await self.send({"type": "response.output_audio_transcript.done", **ref, "transcript": step.transcript})
        await self.send({"type": "response.content_part.done", **ref, "part": item["content"][0]})
        await self._finish_item(index)

    async def _text_message(self, step: TextReply) -> None:
        item_id = self.server._new_id("item")
        item = {"id": item_id, "object": "realtime.item", "type": "message", "role": "assistant",
                "status": "in_progress", "content": []}  # fmt: skip
        index = await self._add_item(item)
        ref = {"response_id": self.id, "item_id": item_id, "output_index": index, "content_index": 0}
        for n, word in enumerate(step.text.split(" ")):
            await self.send({"type": "response.output_text.delta", **ref, "delta": (" " if n else "") + word})
        item["content"] = [{"type": "output_text", "text": step.text}]
        await self.send({"type": "response.output_text.done", **ref, "text": step.text})
        await self._finish_item(index)

    async def _function_call(self, name: str, arguments: Mapping[str, Any] | str) -> None:
        args = arguments if isinstance(arguments, str) else json.dumps(arguments)
        call_id = self.server._new_id("call")
        item = {"id": self.server._new_id("item"), "object": "realtime.item", "type": "function_call",
                "status": "in_progress", "call_id": call_id, "name": name, "arguments": ""}  # fmt: skip
        index = await self._add_item(item)
        ref = {"response_id": self.id, "item_id": item["id"], "output_index": index, "call_id": call_id}
        half = len(args) // 2
        for piece in (args[:half], args[half:]):
            await self.send({"type": "response.function_call_arguments.delta", **ref, "delta": piece})
        item["arguments"] = args
        await self.send({"type": "response.function_call_arguments.done", **ref, "name": name, "arguments": args})
        await self._finish_item(index)

    async def _done(self, status: str) -> None:
        if self.finished:
            return
        self.finished = True
        envelope = self._envelope(status)
        envelope["output"] = self.output
        if status == "cancelled":
            envelope["status_details"] = {"type": "cancelled", "reason": "client_cancelled"}
        audio_tokens = self.audio_samples // 480  # ~50 audio tokens per second
        text_tokens = sum(len(json.dumps(item)) // 40 for item in self.output)
        envelope["usage"] = {
            "total_tokens": 120 + audio_tokens + text_tokens, "input_tokens": 120,
            "output_tokens": audio_tokens + text_tokens,
            "input_token_details": {"text_tokens": 100, "audio_tokens": 20, "cached_tokens": 64},
            "output_token_details": {"text_tokens": text_tokens, "audio_tokens": audio_tokens},
        }  # fmt: skip
        await self.send({"type": "response.done", "response": envelope})
        await self.send(
            {"type": "rate_limits.updated", "rate_limits": [
                {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
                {"name": "tokens", "limit": 400000, "remaining": 399000, "reset_seconds": 0.15},
            ]}
        )  # fmt: skip


# --------------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------------


def sine_pcm16(samples: int, frequency: float = 440.0, *, start: int = 0, amplitude: float = 0.3) -> bytes:
    """`samples` of a sine tone as PCM16 little-endian at 24 kHz, phase-continuous from sample `start`."""
    t = (np.arange(samples) + start) / SAMPLE_RATE
    return (np.sin(2 * np.pi * frequency * t) * amplitude * 32767).astype("<i2").tobytes()


def _merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """`session.update` semantics: nested objects merge, everything else (lists, nulls, values) replaces."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _to_beta(event: dict[str, Any]) -> dict[str, Any]:
    """A GA server event as a beta route sends it: beta event names and content part types."""
    event = json.loads(json.dumps(event))  # deep copy
    event["type"] = GA_TO_BETA.get(event["type"], event["type"])
    for holder in (event.get("item"), event.get("part"), *(event.get("response", {}).get("output") or [])):
        if isinstance(holder, dict):
            if holder.get("type") in BETA_CONTENT_TYPES:
                holder["type"] = BETA_CONTENT_TYPES[holder["type"]]
            for part in holder.get("content") or []:
                if isinstance(part, dict) and part.get("type") in BETA_CONTENT_TYPES:
                    part["type"] = BETA_CONTENT_TYPES[part["type"]]
    return event
