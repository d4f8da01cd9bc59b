"""Loopback stand-ins for the Azure Speech service, for tests that drive the real Speech SDK.

- `refused_port()`: a port on 127.0.0.1 where nothing listens (connections are refused).
- `SilentServer`: accepts TCP connections and never says a word (the SDK alone would wait 70-80 s).
- `FakeSpeechService`: a websocket server speaking enough of the Speech protocol for the SDK: text frames are
  `headers CRLF CRLF json`, binary frames are `uint16 header length, headers, payload`.
  * Recognition (`/speech/recognition/...`): after `after_audio_frames` audio frames it sends the scripted
    `speech.hypothesis` (partials) and `speech.phrase` (final) messages of `phrases`; the empty audio frame that
    ends the stream is answered with `speech.endDetected` + `turn.end`, so the SDK stops at once.
  * Synthesis (`/cognitiveservices/websocket/v1`): an `ssml` message is answered with `turn.start`, `audio_chunks`
    binary `audio` frames of PCM (a ramp, so a test can check the bytes) and `turn.end`.
  * `reject`: refuse every websocket upgrade with that HTTP status (401, 403, ...).
  * `drop_after_frames`: close every recognition connection with 1011 after that many audio frames (the SDK
    reconnects a few times by itself, then cancels).
  Everything is recorded: request paths and headers, SSML documents, the number of audio bytes received.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response


def refused_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SilentServer:
    """Accepts connections and never answers (nor closes them) until closed."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = int(self._sock.getsockname()[1])
        self.accepted = 0
        self._conns: list[socket.socket] = []
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.accepted += 1
            self._conns.append(conn)

    def close(self) -> None:
        self._closed = True
        for conn in self._conns:
            conn.close()
        self._sock.close()

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Phrase:
    partials: list[str]
    final: str


@dataclass
class _Record:
    paths: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    ssml: list[str] = field(default_factory=list)
    audio_bytes: int = 0


def _headers(text: str) -> dict[str, str]:
    out = {}
    for line in text.split("\r\n"):
        if ":" in line:
            key, value = line.split(":", 1)
            out[key.strip().lower()] = value.strip()
    return out


def _message(path: str, request_id: str, body: dict[str, Any]) -> str:
    return (f"X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\nPath:{path}\r\n\r\n"
            + json.dumps(body))


class FakeSpeechService:
    def __init__(self, phrases: list[Phrase] | None = None, after_audio_frames: int = 5, audio_chunks: int = 3,
                 chunk_bytes: int = 4800, reject: int = 0, drop_after_frames: int = 0) -> None:
        self.phrases = phrases or []
        self.after_audio_frames = after_audio_frames
        self.audio_chunks = audio_chunks
        self.chunk_bytes = chunk_bytes
        self.reject = reject
        self.drop_after_frames = drop_after_frames
        self.record = _Record()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fake-speech", daemon=True)

    @property
    def host(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeSpeechService:
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the fake speech service did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    @staticmethod
    def audio(chunks: int, chunk_bytes: int) -> bytes:
        """The PCM the synthesis side sends: chunk i is filled with byte value i + 1."""
        return b"".join(bytes([i + 1]) * chunk_bytes for i in range(chunks))

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with serve(self._handle, "127.0.0.1", 0, process_request=self._process_request) as server:
            self.port = int(next(iter(server.sockets)).getsockname()[1])
            self._ready.set()
            await self._stop.wait()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.record.paths.append(request.path)
        self.record.headers.append({k.lower(): v for k, v in request.headers.raw_items()})
        if self.reject:
            return connection.respond(self.reject, "Access denied due to invalid subscription key.\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else ""
        if "/speech/recognition/" in path:
            await self._recognition(ws)
        else:
            await self._synthesis(ws)

    async def _recognition(self, ws: ServerConnection) -> None:
        request_id = ""
        frames = 0
        sent = False
        async for frame in ws:
            if isinstance(frame, str):
                request_id = _headers(frame.split("\r\n\r\n")[0]).get("x-requestid", request_id)
                continue
            header_len = struct.unpack(">H", frame[:2])[0]
            head = _headers(frame[2:2 + header_len].decode(errors="replace"))
            request_id = head.get("x-requestid", request_id)
            payload = frame[2 + header_len:]
            if not payload:  # end of the audio stream
                await ws.send(_message("speech.endDetected", request_id, {"Offset": 0}))
                await ws.send(_message("turn.end", request_id, {}))
                continue
            self.record.audio_bytes += len(payload)
            frames += 1
            if self.drop_after_frames and frames >= self.drop_after_frames:
                await ws.close(1011, "internal error")
                return
            if frames >= self.after_audio_frames and not sent:
                sent = True
                await ws.send(_message("turn.start", request_id, {"context": {"serviceTag": "fake"}}))
                offset = 0
                for phrase in self.phrases:
                    await ws.send(_message("speech.startDetected", request_id, {"Offset": offset}))
                    for partial in phrase.partials:
                        await ws.send(_message("speech.hypothesis", request_id,
                                               {"Text": partial, "Offset": offset, "Duration": 5_000_000}))
                    await ws.send(_message("speech.phrase", request_id, {
                        "RecognitionStatus": "Success", "DisplayText": phrase.final, "Offset": offset,
                        "Duration": 10_000_000}))
                    offset += 10_000_000

    async def _synthesis(self, ws: ServerConnection) -> None:
        async for frame in ws:
            if not isinstance(frame, str):
                continue
            head_text, _, body = frame.partition("\r\n\r\n")
            head = _headers(head_text)
            if head.get("path") != "ssml":
                continue
            self.record.ssml.append(body)
            request_id = head.get("x-requestid", "")
            await ws.send(_message("turn.start", request_id, {"context": {"serviceTag": "fake"}}))
            for i in range(self.audio_chunks):
                header = f"X-RequestId:{request_id}\r\nPath:audio\r\nContent-Type:audio/raw-24khz-16bit-mono-pcm\r\n"
                encoded = header.encode()
                await ws.send(struct.pack(">H", len(encoded)) + encoded + bytes([i + 1]) * self.chunk_bytes)
            await ws.send(_message("turn.end", request_id, {}))
