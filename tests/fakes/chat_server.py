"""A local stand-in for the OpenAI / Azure OpenAI chat completions API, faithful enough to test the real `openai` SDK
against (`base_url="http://127.0.0.1:PORT/v1"`).

Routes (127.0.0.1, a random port, HTTP/1.1 with chunked transfer encoding like the service):

    POST /v1/chat/completions                                         OpenAI            Authorization: Bearer <key>
    POST /openai/v1/chat/completions                                  Azure v1 route    Authorization: Bearer <key>
    POST /openai/deployments/DEPLOYMENT/chat/completions?api-version  Azure deployment  api-key: <key>
    GET  .../models                                                   a one-model list

A streamed answer is what the service sends with `stream=True`: `data: {chat.completion.chunk}` lines, the first
delta carrying `role`, text as `content` deltas, each tool call as a first delta with `index`, `id`, `type` and the
function `name` (arguments "") followed by `arguments` fragments, a last chunk with `finish_reason` ("tool_calls" or
"stop"), a usage chunk (`choices: []`) when `stream_options.include_usage` is set, then `data: [DONE]`.

Scripts: `server.script(Response(...), ...)` queues one scripted response per request, in order. A response is a
list of steps: `Text` (content, split into deltas of `piece` characters, `delay` seconds apart), `ToolCall` (split
into `pieces` argument fragments), `Sleep`, `Stall` (stop sending, keep the connection open), `Status` (first step
only: an HTTP error with the service's JSON error body, e.g. 401); `headers_after` and `first_chunk_after` delay the
headers and the first chunk. With nothing scripted the server answers "OK." — or, when `keys` is set, 401 for any
other key, as the service does.

Everything is recorded: `server.requests[i]` has the method, path, query, headers, the JSON body and the arrival
time; `server.sent[i]` the (time, chunk) pairs sent for that request.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Text:
    text: str
    piece: int = 8  # characters per content delta
    delay: float = 0.0  # seconds between deltas


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str | dict[str, Any] = "{}"
    call_id: str = ""  # empty: call_<n>
    pieces: int = 3  # argument fragments


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Stall:
    """Send nothing more (headers already sent, or not, if first) and keep the connection open."""

    seconds: float = 30.0


@dataclass(frozen=True)
class Status:
    code: int
    message: str = ""
    error_type: str = "invalid_request_error"
    error_code: str | None = None


Step = Text | ToolCall | Sleep | Stall | Status


@dataclass
class Response:
    steps: list[Step]
    usage: tuple[int, int] = (12, 7)  # prompt, completion tokens
    headers_after: float = 0.0  # seconds before the response headers
    first_chunk_after: float = 0.0  # seconds between the headers and the first chunk

    def __init__(self, *steps: Step, usage: tuple[int, int] = (12, 7), headers_after: float = 0.0,
                 first_chunk_after: float = 0.0) -> None:
        self.steps = list(steps)
        self.usage = usage
        self.headers_after = headers_after
        self.first_chunk_after = first_chunk_after


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []


@dataclass
class _State:
    queue: deque[Response] = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)
    sent: list[list[tuple[float, dict[str, Any] | str]]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    closing: threading.Event = field(default_factory=threading.Event)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    # -- plumbing ----------------------------------------------------------------------------------------------------
    def _record(self, body: Any) -> tuple[Recorded, int]:
        parts = urlsplit(self.path)
        rec = Recorded(self.command, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()},
                       body, time.monotonic())
        state = self.server.state
        with state.lock:
            state.requests.append(rec)
            state.sent.append([])
            return rec, len(state.requests) - 1

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _key(self, headers: dict[str, str]) -> str:
        if "api-key" in headers:
            return headers["api-key"]
        auth = headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else ""

    def _error(self, status: Status) -> None:
        message = status.message or HTTPStatus(status.code).phrase
        self._json(status.code, {"error": {"message": message, "type": status.error_type,
                                           "param": None, "code": status.error_code}})

    # -- routes ------------------------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        rec, _ = self._record(None)
        keys = self.server.state.keys
        if keys and self._key(rec.headers) not in keys:
            self._error(Status(401, "Incorrect API key provided.", error_code="invalid_api_key"))
            return
        if rec.path.endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "created": 0,
                                                         "owned_by": "system"}]})
            return
        self._error(Status(404, f"No route {rec.path}"))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        rec, index = self._record(body)
        state = self.server.state
        if not rec.path.endswith("/chat/completions") or not isinstance(body, dict):
            self._error(Status(404, f"No route {rec.path}"))
            return
        with state.lock:
            response = state.queue.popleft() if state.queue else None
        if response is None:
            if state.keys and self._key(rec.headers) not in state.keys:
                self._error(Status(401, "Incorrect API key provided.", error_code="invalid_api_key"))
                return
            response = Response(Text("OK."))
        steps = list(response.steps)
        if steps and isinstance(steps[0], Status):
            self._error(steps[0])
            return
        if steps and isinstance(steps[0], Stall):
            state.closing.wait(steps[0].seconds)  # nothing at all, not even headers
            return
        if response.headers_after and state.closing.wait(response.headers_after):
            return
        if not body.get("stream"):
            self._json(400, {"error": {"message": "this fake only streams", "type": "invalid_request_error"}})
            return
        try:
            self._stream(body, response, index)
        except (BrokenPipeError, ConnectionResetError):  # the client went away (a barge-in closes the stream)
            self.close_connection = True

    def _stream(self, body: dict[str, Any], response: Response, index: int) -> None:
        state = self.server.state
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        completion_id = f"chatcmpl-{next(state.ids)}"
        created = int(time.time())
        model = str(body.get("model", ""))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any] | None, finish: str | None = None, usage: dict[str, int] | None = None) -> None:
            payload: dict[str, Any] = {
                "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None,
                                                      "finish_reason": finish}],
            }
            if include_usage:
                payload["usage"] = usage
            send(payload)

        def send(payload: dict[str, Any] | str) -> None:
            line = payload if isinstance(payload, str) else json.dumps(payload)
            data = f"data: {line}\n\n".encode()
            self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
            with state.lock:
                state.sent[index].append((time.monotonic(), payload))

        if response.first_chunk_after and state.closing.wait(response.first_chunk_after):
            return
        chunk({"role": "assistant", "content": "", "refusal": None})
        tool_index = 0
        for step in response.steps:
            if isinstance(step, Text):
                for start in range(0, len(step.text), max(1, step.piece)):
                    if start and step.delay:
                        if state.closing.wait(step.delay):
                            return
                    chunk({"content": step.text[start:start + step.piece]})
            elif isinstance(step, ToolCall):
                arguments = step.arguments if isinstance(step.arguments, str) else json.dumps(step.arguments)
                call_id = step.call_id or f"call_{next(state.ids)}"
                chunk({"tool_calls": [{"index": tool_index, "id": call_id, "type": "function",
                                       "function": {"name": step.name, "arguments": ""}}]})
                size = max(1, -(-len(arguments) // max(1, step.pieces)))
                for start in range(0, len(arguments), size):
                    chunk({"tool_calls": [{"index": tool_index,
                                           "function": {"arguments": arguments[start:start + size]}}]})
                tool_index += 1
            elif isinstance(step, Sleep):
                if state.closing.wait(step.seconds):
                    return
            elif isinstance(step, Stall):
                state.closing.wait(step.seconds)
                return
        chunk({}, "tool_calls" if tool_index else "stop")
        if include_usage:
            prompt, completion = response.usage
            chunk(None, usage={"prompt_tokens": prompt, "completion_tokens": completion,
                               "total_tokens": prompt + completion})
        send("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakeChatServer:
    """`with FakeChatServer() as server:` — a scripted chat completions service on a random loopback port."""

    def __init__(self, keys: set[str] | None = None) -> None:
        self._state = _State(keys=set(keys or ()))
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeChatServer:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = self._state
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-chat-server", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._state.closing.set()  # releases stalls and sleeps
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, *responses: Response) -> None:
        with self._state.lock:
            self._state.queue.extend(responses)

    @property
    def pending(self) -> int:
        return len(self._state.queue)

    @property
    def requests(self) -> list[Recorded]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def completions(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def sent(self) -> list[list[tuple[float, dict[str, Any] | str]]]:
        with self._state.lock:
            return [list(s) for s in self._state.sent]
