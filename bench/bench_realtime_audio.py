"""Realtime voice latency on the virtual sound card, against the local realtime server with no think time.

Three sections (issue 6, "Benchmarks"), all in one process that runs the real kiosk pieces — `build_runtime` with the
OpenAI realtime brain (real `openai` SDK client), `VoiceService`/`VoiceLoop` with echo control, `DeviceSpeechOutput`
and `SpeakerPlayback` — on PulseAudio's `vsink` → `vmic` loopback (`scripts/virtual-audio.sh`, own state directory).
`FakeRealtimeServer` runs in a separate process (its own interpreter and event loop, like a remote service) and
reports every client event with its arrival time; both processes read the same CLOCK_MONOTONIC.

1. **capture**: a captured block's first sample → the server has the `input_audio_buffer.append` carrying it.
   The sample's capture time is the lower envelope of the device callback times (a sample was captured no later
   than any later callback minus the samples between), so a late callback does not flatter the figure. "Carrying
   it" is sample-exact: the 48 → 24 kHz stream resampler is followed sample by sample, so audio the resampler holds
   back counts as waiting. The total is split into parts that add up: block fill (the 20 ms block plus the host's
   callback delay), resampler hold-back, capture queueing (callback → loop), the voice loop's work before
   `feed_audio` (echo control, level, 16 kHz and 24 kHz resampling), the sender task's wait, base64, JSON, and the
   websocket send up to the server's arrival stamp (SDK, `websockets`, loopback, the server's parse). Measured while
   idle and again while sections 2 and 3 run; an offline table gives the hold-back of each soxr quality on the same
   captured blocks.
2. **playback**: the client reads the first `response.output_audio.delta` of a reply → its first sample is heard on
   `vmic` (the onset of the reply's 6 kHz tone in the raw captured stream, timed like section 1). Parts: parse
   (JSON + base64), dispatch to `SpeechOutput.play`, resample + queue, wait for the device callback to take the
   first sample (`SpeakerPlayback.started_at`), device → heard (output buffer, PulseAudio, and the capture side's own
   buffering, which a loopback cannot separate). Also: how much of each reply's end was never heard.
3. **barge-in**: while a long reply plays (band-limited noise at 5-7.5 kHz, streamed at twice real time so the
   response is still active), shopper speech (espeak-ng, low-passed below 3.5 kHz so the two can be told apart in
   the captured mix) is played into `vsink` by a second output stream. From the speech onset heard on `vmic`: the
   voice loop's barge-in decision, the reply's end heard on `vmic` (playback silent), and
   the server's arrival of `response.cancel` and `conversation.item.truncate`; "after the debounce" subtracts the
   configured `barge_in_ms`. The truncate's `audio_end_ms` is checked against the playback's played-sample count at
   the stop and against the reply duration actually heard. Trials where the kiosk interrupted itself before the
   shopper spoke (echo reaching the VAD) are listed, not measured.

Goals: capture p95 <= 30 ms, playback p95 <= 60 ms, barge-in (silent, cancel and truncate) p95 <= 150 ms after the
debounce. Exit status 1 when a goal is missed.

    .venv/bin/python bench/bench_realtime_audio.py [--only capture|playback|barge-in] [--delta-ms 40]
        [--capture-seconds 15] [--replies 40] [--barge-ins 20]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RATE = 48000  # the voice loop's device rate
TONE_HZ = 6000.0  # section 2's reply: a 6 kHz tone
HISS = 0.0  # section 3's reply "frequency": band-limited noise instead of a tone (see `_serve`)
HISS_BAND = (5000.0, 7500.0)  # section 3's reply, far above the low-passed shopper speech
SPEECH_CUTOFF_HZ = 3500.0
STATE_DIR = Path(os.environ.get("AISLE_BENCH_AUDIO_STATE", "/tmp/aisle-bench-rt"))
SCRIPT = REPO / "scripts" / "virtual-audio.sh"
REPLY_MS = 240  # section 2's replies
BARGE_REPLY_MS = 8000  # section 3's replies
GOALS_MS = {"capture": 30.0, "playback": 60.0, "barge-in": 150.0}


def percentile(values: Iterable[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def ms(seconds: float) -> float:
    return seconds * 1000.0


# ==================================================================================================================
# The fake realtime server, in its own process
# ==================================================================================================================

_FIRST_SENT = {"response.created", "response.done", "error", "conversation.item.truncated", "conversation.item.deleted"}


def serve(pipe: Any) -> None:
    """Child process: run `FakeRealtimeServer`, push every client event (with its arrival time) to the parent."""
    asyncio.run(_serve(pipe))


async def _serve(pipe: Any) -> None:
    import numpy as np

    from tests.fakes import realtime_server as fake
    from tests.fakes.realtime_server import FakeRealtimeServer, Session

    # Section 3's long replies are band-limited noise (5-7.5 kHz), not the fake's pure tone: WebRTC's echo canceller
    # cannot lock onto a pure tone (no delay estimate), so a tone reply would interrupt itself, which real speech
    # does not do as easily. AudioReply(frequency=HISS) selects it; every other reply stays the fake's sine.
    rng = np.random.default_rng(6)
    spectrum = np.fft.rfft(rng.standard_normal(fake.SAMPLE_RATE * 20))
    freqs = np.fft.rfftfreq(fake.SAMPLE_RATE * 20, 1 / fake.SAMPLE_RATE)
    spectrum[(freqs < HISS_BAND[0]) | (freqs > HISS_BAND[1])] = 0
    hiss = np.fft.irfft(spectrum)
    hiss = (hiss * (0.12 * 32767 / np.sqrt(np.mean(hiss**2)))).clip(-32767, 32767).astype("<i2")
    sine = fake.sine_pcm16

    def reply_audio(samples: int, frequency: float = 440.0, *, start: int = 0, amplitude: float = 0.3) -> bytes:
        if frequency != HISS:
            return sine(samples, frequency, start=start, amplitude=amplitude)
        index = (np.arange(samples) + start) % hiss.size
        return hiss[index].tobytes()

    fake.sine_pcm16 = reply_audio

    class Reporting(FakeRealtimeServer):
        def __init__(self) -> None:
            super().__init__()
            self._first_delta: set[str] = set()

        async def _answer(self, session: Session, event: dict[str, Any]) -> None:
            message = session.received[-1]
            extra: dict[str, Any] = {}
            if message.type == "input_audio_buffer.append":
                extra["bytes"] = len(event.get("audio", "")) * 3 // 4
            elif message.type in ("conversation.item.truncate", "conversation.item.delete"):
                extra = {"item_id": event.get("item_id"), "audio_end_ms": event.get("audio_end_ms")}
            pipe.send(("recv", self.sessions.index(session), message.type, message.at, event.get("event_id"), extra))
            await super()._answer(session, event)

        async def _send(self, session: Session, event: dict[str, Any], *, raw: bool = False) -> None:
            await super()._send(session, event, raw=raw)
            kind = event["type"]
            item = event.get("item_id", "")
            if kind == "response.output_audio.delta" and item not in self._first_delta:
                self._first_delta.add(item)
            elif kind not in _FIRST_SENT:
                return
            extra = {"item_id": item, "error": event.get("error")}
            pipe.send(("sent", self.sessions.index(session), kind, time.monotonic(), "", extra))

    loop = asyncio.get_running_loop()
    server = await Reporting().start()
    pipe.send(("port", server.port))
    stop = asyncio.Event()

    def command(message: tuple[Any, ...]) -> None:
        if message[0] == "script":
            server.script(*message[1])
        elif message[0] == "stop":
            stop.set()

    def read_commands() -> None:
        while True:
            try:
                message = pipe.recv()
            except (EOFError, OSError):
                loop.call_soon_threadsafe(stop.set)
                return
            loop.call_soon_threadsafe(command, message)
            if message[0] == "stop":
                return

    threading.Thread(target=read_commands, daemon=True).start()
    await stop.wait()
    await server.stop()


@dataclasses.dataclass
class Wire:
    """One message seen by the server: a client event it received, or a server event it sent."""

    direction: str  # recv | sent
    session: int
    type: str
    at: float
    event_id: str
    extra: dict[str, Any]


class ServerProcess:
    """The parent's handle on the server process: scripts go in, `Wire` records come out."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), daemon=True, name="fake-realtime-server")
        self.process.start()
        child.close()
        kind, self.port = self.pipe.recv()
        assert kind == "port"
        self.wire: list[Wire] = []
        self.by_event: dict[str, Wire] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader: threading.Thread | None = None

    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1"

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._reader = threading.Thread(target=self._read, daemon=True, name="fake-server-reader")
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                message = self.pipe.recv()
            except (EOFError, OSError):
                return
            assert self._loop is not None
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._add, Wire(*message))

    def _add(self, wire: Wire) -> None:
        self.wire.append(wire)
        if wire.direction == "recv" and wire.event_id:
            self.by_event[wire.event_id] = wire

    def script(self, *steps: Any) -> None:
        self.pipe.send(("script", steps))

    def received(self, kind: str, after: float = 0.0) -> list[Wire]:
        return [w for w in self.wire if w.direction == "recv" and w.type == kind and w.at >= after]

    def sent(self, kind: str, after: float = 0.0) -> list[Wire]:
        return [w for w in self.wire if w.direction == "sent" and w.type == kind and w.at >= after]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.pipe.send(("stop",))
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


# ==================================================================================================================
# The virtual sound card
# ==================================================================================================================


def start_virtual_audio() -> dict[str, str]:
    if shutil.which("pulseaudio") is None:
        raise SystemExit("PulseAudio is not installed (Debian: pulseaudio pulseaudio-utils libasound2-plugins)")
    env = {**os.environ, "AISLE_AUDIO_STATE": str(STATE_DIR)}
    subprocess.run(["bash", str(SCRIPT), "start"], check=True, env=env, timeout=60, capture_output=True)
    values: dict[str, str] = {}
    for line in (STATE_DIR / "env").read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            values[key] = value.strip("'")
    os.environ.update(values)
    return values


def stop_virtual_audio() -> None:
    env = {**os.environ, "AISLE_AUDIO_STATE": str(STATE_DIR)}
    subprocess.run(["bash", str(SCRIPT), "stop"], env=env, timeout=60, capture_output=True)


# ==================================================================================================================
# Instrumentation: timestamps along our own path, without changing what it does
# ==================================================================================================================


@dataclasses.dataclass
class BlockRec:
    """One captured block on its way to the wire."""

    start_frame: int
    frames: int
    captured_at: float  # device callback (AudioBlock.captured_at)
    loop_at: float  # the voice loop's on_block began
    in_start: int = -1  # position in the 48 kHz stream the 24 kHz resampler was fed
    out_start: int = -1  # position of its output in the 24 kHz stream
    out_len: int = 0
    resample_s: float = 0.0
    fed_at: float = 0.0  # brain.feed_audio called
    dequeued_at: float = 0.0  # the sender task took it (input_audio_append called)
    encoded_at: float = 0.0  # the append event built (base64 done)
    event_id: str = ""
    level_raw: float = -120.0  # dBFS of the captured block
    level_clean: float = -120.0  # dBFS after echo control (what the VAD and the brain get)
    speaking: bool = False  # the kiosk's speaker had audio queued


@dataclasses.dataclass
class SendRec:
    type: str
    json_s: float
    start: float
    end: float


@dataclasses.dataclass
class DeltaRec:
    """The first audio delta of an assistant item, on the client."""

    item_id: str
    recv_at: float  # our socket read returned it
    parsed_at: float  # parsed (JSON + base64)
    samples: int
    play_in: float = 0.0  # SpeechOutput.play called
    queued_at: float = 0.0  # SpeechOutput.play returned (resampled, queued on the speaker)
    first_out: int = -1  # 48 kHz samples the first play() queued (0: the resampler held all of it back)


class Probe:
    def __init__(self) -> None:
        self.blocks: list[BlockRec] = []
        self.mic: list[Any] = []  # raw AudioBlocks, before echo control
        self.current: BlockRec | None = None
        self.pending: dict[int, tuple[bytes, BlockRec]] = {}
        self.by_event: dict[str, BlockRec] = {}
        self.sends: dict[str, SendRec] = {}
        self.last_json: tuple[str, str, float] = ("", "", 0.0)
        self.last_recv = 0.0
        self.deltas: dict[str, DeltaRec] = {}
        self.stops: list[tuple[float, int, Any]] = []  # (time, played samples returned, tag) of the kiosk speaker
        self.speech_started_calls: list[float] = []
        self.vad: list[tuple[float, str, int, bool]] = []  # (time, kind, voiced_ms, the kiosk was speaking)
        self.stream_origin: int | None = None  # start_frame of the first block the 24 kHz resampler saw
        self.cum_in = 0
        self.cum_out = 0
        self.stream_broken = 0


def instrument(probe: Probe, voice: Any, brain: Any) -> Callable[[], None]:
    """Wrap the seams of the realtime audio path. Returns a function that undoes the class-level patches."""
    from agent.realtime import connection as rt_connection
    from agent.realtime import endpoints as rt_endpoints
    from agent.realtime import events as rt_events
    from audio.capture import level_dbfs
    from audio.playback import SpeakerPlayback
    from audio.resample import StreamResampler
    from audio.speech_output import DeviceSpeechOutput

    undo: list[Callable[[], None]] = []

    def patch(owner: Any, name: str, value: Any) -> None:
        original = getattr(owner, name)
        setattr(owner, name, value)
        undo.append(lambda: setattr(owner, name, original))

    # -- capture side: the voice loop's block handler (instance), its 24 kHz resampler, the brain's feed ----------
    on_block = voice._on_block

    def timed_on_block(block: Any) -> None:
        rec = BlockRec(block.start_frame, block.pcm.size, block.captured_at, time.monotonic())
        probe.mic.append(block)
        probe.current = rec
        rec.speaking = voice._is_speaking()
        try:
            on_block(block)
        finally:
            probe.current = None
            rec.level_raw, rec.level_clean = level_dbfs(block.pcm), voice.level_dbfs
            probe.blocks.append(rec)

    voice._on_block = timed_on_block

    on_vad = voice._on_vad

    def noted_on_vad(event: Any, listening_brain: Any) -> Any:
        probe.vad.append((time.monotonic(), event.kind, event.voiced_ms, voice._is_speaking()))
        return on_vad(event, listening_brain)

    voice._on_vad = noted_on_vad

    class TimedResampler(StreamResampler):
        def process(self, block: Any) -> Any:
            rec = probe.current
            t0 = time.perf_counter()
            out = super().process(block)
            elapsed = time.perf_counter() - t0
            if rec is not None:
                if probe.stream_origin is None:
                    probe.stream_origin = rec.start_frame
                if rec.start_frame - probe.stream_origin != probe.cum_in:
                    probe.stream_broken += 1  # a dropped capture block: the sample mapping would be off
                    probe.cum_in = rec.start_frame - probe.stream_origin
                rec.in_start, rec.out_start, rec.out_len = probe.cum_in, probe.cum_out, out.size
                rec.resample_s = elapsed
            probe.cum_in += len(block)
            probe.cum_out += out.size
            return out

    from audio.voice_listening import LOW_DELAY  # the quality the voice loop itself uses for the brain's input

    voice._to_brain[brain.input_samplerate] = TimedResampler(RATE, brain.input_samplerate, quality=LOW_DELAY)

    feed = brain.feed_audio

    def timed_feed(pcm: bytes) -> None:
        rec = probe.current
        if rec is not None:
            rec.fed_at = time.monotonic()
            probe.pending[id(pcm)] = (pcm, rec)
            if len(probe.pending) > 400:
                for key in list(probe.pending)[:200]:
                    del probe.pending[key]
        feed(pcm)

    brain.feed_audio = timed_feed

    started = brain.shopper_speech_started

    async def timed_started() -> None:
        probe.speech_started_calls.append(time.monotonic())
        await started()

    brain.shopper_speech_started = timed_started

    # -- sender side: append event, JSON, websocket send ----------------------------------------------------------
    append = rt_events.input_audio_append

    def timed_append(pcm24k: bytes) -> Any:
        t0 = time.monotonic()
        event = append(pcm24k)
        t1 = time.monotonic()
        entry = probe.pending.pop(id(pcm24k), None)
        if entry is not None and entry[0] is pcm24k:
            rec = entry[1]
            rec.dequeued_at, rec.encoded_at, rec.event_id = t0, t1, event.event_id
            probe.by_event[event.event_id] = rec
        return event

    patch(rt_events, "input_audio_append", timed_append)

    to_json = rt_events.ClientEvent.to_json

    def timed_to_json(self: Any) -> str:
        t0 = time.perf_counter()
        text = to_json(self)
        probe.last_json = (self.event_id, self.type, time.perf_counter() - t0)
        return text

    patch(rt_events.ClientEvent, "to_json", timed_to_json)

    send_text = rt_endpoints._SdkSocket.send_text
    recv_bytes = rt_endpoints._SdkSocket.recv_bytes

    async def timed_send_text(self: Any, message: str) -> None:
        event_id, kind, json_s = probe.last_json
        if f'"event_id":"{event_id}"' not in message[:200]:
            event_id, kind, json_s = "", "?", 0.0
        t0 = time.monotonic()
        await send_text(self, message)
        if event_id:
            probe.sends[event_id] = SendRec(kind, json_s, t0, time.monotonic())

    async def timed_recv_bytes(self: Any) -> bytes:
        message = await recv_bytes(self)
        probe.last_recv = time.monotonic()
        return message

    patch(rt_endpoints._SdkSocket, "send_text", timed_send_text)
    patch(rt_endpoints._SdkSocket, "recv_bytes", timed_recv_bytes)

    parse = rt_connection.parse_server_event

    def timed_parse(message: Any) -> Any:
        event = parse(message)
        if isinstance(event, rt_events.AudioDelta) and event.item_id not in probe.deltas:
            probe.deltas[event.item_id] = DeltaRec(event.item_id, probe.last_recv, time.monotonic(), event.samples)
        return event

    patch(rt_connection, "parse_server_event", timed_parse)

    # -- playback side ---------------------------------------------------------------------------------------------
    play = DeviceSpeechOutput.play

    def timed_play(self: Any, pcm: bytes, samplerate: int, tag: str) -> None:
        t0 = time.monotonic()
        before = self.playback.handed_samples_for(tag)
        play(self, pcm, samplerate, tag)
        delta = probe.deltas.get(tag)
        if delta is not None and not delta.play_in:
            delta.play_in, delta.queued_at = t0, time.monotonic()
            delta.first_out = self.playback.handed_samples_for(tag) - before

    patch(DeviceSpeechOutput, "play", timed_play)

    stop_now = SpeakerPlayback.stop_now

    def timed_stop_now(self: Any) -> int:
        played = stop_now(self)
        if self is voice.playback:
            probe.stops.append((time.monotonic(), played, self.current_tag))
        return played

    patch(SpeakerPlayback, "stop_now", timed_stop_now)

    def restore() -> None:
        for fn in reversed(undo):
            fn()

    return restore


# ==================================================================================================================
# The captured stream: a capture time for every frame, tone and speech detection
# ==================================================================================================================


class CapturedStream:
    """The raw microphone stream as the voice loop received it, with an upper bound on each frame's capture time."""

    def __init__(self, blocks: list[Any]) -> None:
        import numpy as np

        self.np = np
        blocks = sorted(blocks, key=lambda b: b.start_frame)
        self.origin = blocks[0].start_frame
        self.ends = np.array([b.start_frame + b.pcm.size - self.origin for b in blocks], dtype=np.int64)
        self.caps = np.array([b.captured_at for b in blocks], dtype=np.float64)
        total = int(self.ends[-1])
        self.pcm = np.zeros(total, dtype=np.int16)
        self.gaps = 0
        previous_end = 0
        for block in blocks:
            start = block.start_frame - self.origin
            if start != previous_end:
                self.gaps += 1
            self.pcm[start:start + block.pcm.size] = block.pcm
            previous_end = start + block.pcm.size

    def time_of(self, frame: int) -> float:
        """No later than this, frame `frame` (stream-relative) was captured: the lowest bound any later callback in
        the next second gives (a callback's time minus the samples captured after the frame)."""
        np = self.np
        first = int(np.searchsorted(self.ends, frame, side="right"))
        last = min(len(self.ends), first + 50)
        if first >= last:
            return float("nan")
        return float(np.min(self.caps[first:last] - (self.ends[first:last] - frame) / RATE))

    def frame_at(self, t: float) -> int:
        """The first frame whose capture time is >= t."""
        lo, hi = 0, int(self.ends[-1]) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.time_of(mid) >= t:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def first_above(self, signal: Any, threshold: float, start: int, stop: int | None = None) -> int | None:
        np = self.np
        segment = np.abs(signal[start:stop].astype(np.float64))
        hits = np.flatnonzero(segment > threshold)
        return start + int(hits[0]) if hits.size else None

    def tone_envelope(self, start: int, stop: int, frequency: float = TONE_HZ) -> Any:
        """Amplitude of the `frequency` tone around each frame of [start, stop), 2 ms Hann window, centred."""
        np = self.np
        pad = 96
        lo, hi = max(0, start - pad), min(self.pcm.size, stop + pad)
        x = self.pcm[lo:hi].astype(np.float64)
        n = np.arange(lo, hi)
        base = x * np.exp(-2j * np.pi * frequency * n / RATE)
        window = np.hanning(2 * pad + 1)
        envelope = 2 * np.abs(np.convolve(base, window / window.sum(), mode="same"))
        return envelope[start - lo:start - lo + (stop - start)]

    def filtered(self, start: int, stop: int, kernel: Any) -> Any:
        np = self.np
        pad = kernel.size
        lo, hi = max(0, start - pad), min(self.pcm.size, stop + pad)
        y = np.convolve(self.pcm[lo:hi].astype(np.float64), kernel, mode="same")
        return y[start - lo:start - lo + (stop - start)]

    def lowpassed(self, start: int, stop: int, cutoff: float = 4000.0) -> Any:
        return self.filtered(start, stop, lowpass_kernel(cutoff, 511))

    def band_rms(self, start: int, stop: int, band: tuple[float, float] = HISS_BAND, window_ms: int = 4) -> Any:
        """RMS of the `band` part of the stream around each frame of [start, stop) (Hann window, centred)."""
        np = self.np
        kernel = lowpass_kernel(band[1], 511) - lowpass_kernel(band[0], 511)
        y = self.filtered(start, stop, kernel)
        window = np.hanning(RATE * window_ms // 1000 + 1)
        return np.sqrt(np.convolve(y * y, window / window.sum(), mode="same"))


def lowpass_kernel(cutoff: float, taps: int = 255) -> Any:
    """A linear-phase windowed-sinc low-pass (Blackman), unity gain at DC."""
    import numpy as np

    n = np.arange(taps) - (taps - 1) / 2
    kernel = np.sinc(2 * cutoff / RATE * n) * np.blackman(taps)
    return kernel / kernel.sum()


# ==================================================================================================================
# The kiosk under test
# ==================================================================================================================


@dataclasses.dataclass
class Kiosk:
    runtime: Any
    service: Any
    voice: Any
    brain: Any
    probe: Probe
    server: ServerProcess
    restore: Callable[[], None]
    events: list[Any]

    async def until(self, predicate: Callable[[], Any], within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            await asyncio.sleep(0.005)

    async def new_reply(self, before: set[str]) -> tuple[str, float]:
        """Wait for the first delta of an item not in `before`, then for the speaker to start it."""
        await self.until(lambda: set(self.probe.deltas) - before, 5, "the first audio delta")
        item = next(iter(set(self.probe.deltas) - before))
        playback = self.voice.playback
        await self.until(lambda: playback.started_at(item) is not None, 5, "playback to start")
        return item, playback.started_at(item)

    async def cut_after(self, t: float) -> None:
        """Wait until the server received a truncate or delete sent after `t`."""
        def cut() -> bool:
            return bool(self.server.received("conversation.item.truncate", t)
                        or self.server.received("conversation.item.delete", t))
        await self.until(cut, 5, "the truncate")


async def build_kiosk(server: ServerProcess, data_dir: Path, catalog: Path) -> Kiosk:
    from agent.realtime.brain import RealtimeBrain
    from app.compose.brains import make_brain_factory
    from app.compose.runtime import build_runtime
    from app.fallback import active_brain
    from app.settings import load_settings
    from audio import devices
    from audio.service import VoiceService

    devices.refresh_devices()
    settings = load_settings({"data_dir": data_dir, "catalog": catalog, "brain": "openai", "input_device": "vmic",
                              "output_device": "vsink"}, environ={})
    env = {"OPENAI_API_KEY": "sk-bench", "OPENAI_REALTIME_URL": server.url(), "AISLE_NO_KEYRING": "1"}
    runtime = build_runtime(settings, make_brain_factory(settings, env))
    events: list[Any] = []
    runtime.bus.subscribe(events.append)
    await runtime.conversation.ensure_session()
    brain = active_brain(runtime.conversation.brain)
    if not isinstance(brain, RealtimeBrain):
        raise SystemExit(f"the realtime brain did not start (active: {getattr(brain, 'name', brain)})")
    service = VoiceService(runtime)
    voice = service.loop
    probe = Probe()
    restore = instrument(probe, voice, brain)  # before start(): the capture binds the voice loop's block handler
    await service.start()
    if not voice.available:
        restore()
        raise SystemExit(f"the voice loop has no devices: {voice.problem}")
    kiosk = Kiosk(runtime, service, voice, brain, probe, server, restore, events)
    await kiosk.until(lambda: brain.connected, 10, "the realtime connection")
    await kiosk.until(lambda: probe.blocks, 10, "captured audio")
    return kiosk


async def close_kiosk(kiosk: Kiosk) -> None:
    with contextlib.suppress(Exception):
        await kiosk.service.stop()
    with contextlib.suppress(Exception):
        await kiosk.runtime.close()
    kiosk.restore()


# ==================================================================================================================
# 1. capture -> append on the wire
# ==================================================================================================================


CAPTURE_PARTS = [
    ("block fill + callback delay", "the 20 ms block plus how late the host's callback fired"),
    ("resampler hold-back", "48 -> 24 kHz soxr stream: waiting for later blocks"),
    ("capture queueing", "device callback -> the loop runs on_block"),
    ("voice loop before feed", "echo control, level, 16 kHz and 24 kHz resampling"),
    ("sender task wait", "feed_audio -> the sender task takes it"),
    ("base64 + event", "input_audio_append()"),
    ("JSON + call", "to_json() and reaching send_text"),
    ("send -> server has it", "SDK send, websockets, loopback, server parse"),
]


def capture_rows(kiosk: Kiosk, stream: CapturedStream, since: float, until: float) -> list[dict[str, float]]:
    """Per captured block in [since, until): the parts, in seconds, of first sample -> server arrival."""
    probe = kiosk.probe
    feeds = [b for b in probe.blocks if b.out_len > 0 and b.event_id]
    starts = [b.out_start for b in feeds]
    rows: list[dict[str, float]] = []
    for block in probe.blocks:
        if not since <= block.captured_at < until or block.in_start < 0:
            continue
        j = block.in_start * kiosk.brain.input_samplerate // RATE  # the 24 kHz sample that carries the first one
        k = bisect.bisect_right(starts, j) - 1
        if k < 0 or not feeds[k].out_start <= j < feeds[k].out_start + feeds[k].out_len:
            continue
        carrier = feeds[k]
        arrival = kiosk.server.by_event.get(carrier.event_id)
        send = probe.sends.get(carrier.event_id)
        if arrival is None or send is None:
            continue
        first = stream.time_of(block.start_frame - stream.origin)
        parts = {
            "block fill + callback delay": block.captured_at - first,
            "resampler hold-back": carrier.captured_at - block.captured_at,
            "capture queueing": carrier.loop_at - carrier.captured_at,
            "voice loop before feed": carrier.fed_at - carrier.loop_at,
            "sender task wait": carrier.dequeued_at - carrier.fed_at,
            "base64 + event": carrier.encoded_at - carrier.dequeued_at,
            "JSON + call": send.start - carrier.encoded_at,
            "send -> server has it": arrival.at - send.start,
        }
        parts["total"] = arrival.at - first
        parts["callback -> server"] = arrival.at - block.captured_at
        parts["24 kHz resample (in voice loop)"] = carrier.resample_s
        parts["JSON alone"] = send.json_s
        parts["send_text call"] = send.end - send.start
        rows.append(parts)
    return rows


def print_table(title: str, rows: list[dict[str, float]], keys: list[str], notes: dict[str, str] | None = None) -> None:
    print(f"  {title:<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for key in keys:
        values = [ms(r[key]) for r in rows if key in r]
        note = f"  {notes[key]}" if notes and key in notes else ""
        print(f"  {key:<36} {percentile(values, 50):8.2f} {percentile(values, 95):8.2f} {max(values):8.2f}{note}")


def report_capture(kiosk: Kiosk, stream: CapturedStream, windows: list[tuple[str, float, float]]) -> bool:
    ok = True
    probe = kiosk.probe
    appends = kiosk.server.received("input_audio_buffer.append")
    empty = sum(1 for w in appends if not w.extra.get("bytes"))
    print("\n1. capture -> input_audio_buffer.append at the server (first sample of each 20 ms block)")
    print(f"  appends received: {len(appends)} ({empty} with no audio); capture gaps: {stream.gaps}; "
          f"resampler stream breaks: {probe.stream_broken}")
    for label, since, until in windows:
        rows = capture_rows(kiosk, stream, since, until)
        if not rows:
            print(f"  {label}: no blocks")
            continue
        print(f"\n  {label}: {len(rows)} blocks")
        print_table("first sample -> server has it", rows, ["total", "callback -> server"])
        print("  of which (they add up to the total):")
        print_table("", rows, [k for k, _ in CAPTURE_PARTS], dict(CAPTURE_PARTS))
        print("  inside those parts:")
        print_table("", rows, ["24 kHz resample (in voice loop)", "JSON alone", "send_text call"])
        p95 = percentile([ms(r["total"]) for r in rows], 95)
        ours = [ms(r["total"] - r["block fill + callback delay"]) for r in rows]
        print(f"  ours (total minus block fill): p50 {percentile(ours, 50):.2f} ms, p95 {percentile(ours, 95):.2f} ms")
        rest = [ms(r["total"] - r["resampler hold-back"]) for r in rows]
        print(f"  total without the resampler hold-back: p50 {percentile(rest, 50):.2f} ms, "
              f"p95 {percentile(rest, 95):.2f} ms")
        verdict = "ok" if p95 <= GOALS_MS["capture"] else "MISSED"
        print(f"  goal p95 <= {GOALS_MS['capture']:.0f} ms: {verdict} (p95 {p95:.2f} ms)")
        ok = ok and p95 <= GOALS_MS["capture"]
    holdback_by_quality(stream)
    return ok


def holdback_by_quality(stream: CapturedStream, seconds: float = 10.0) -> None:
    """Offline, on the same captured audio in the same 20 ms blocks: how long a block's first sample waits inside
    a 48 -> 24 kHz soxr stream resampler, per quality setting (the voice loop uses LQ)."""
    from audio.resample import StreamResampler

    block = RATE * 20 // 1000
    count = min(int(seconds * 50), stream.pcm.size // block)
    print(f"  resampler hold-back of a block's first sample, offline on {count} captured blocks "
          "(the voice loop uses LQ):")
    for quality in ("VHQ", "HQ", "MQ", "LQ", "QQ"):
        resampler = StreamResampler(RATE, 24000, quality=quality)
        ends: list[int] = []
        total = 0
        for k in range(count):
            total += resampler.process(stream.pcm[k * block:(k + 1) * block]).size
            ends.append(total)
        waits = []
        for k in range(count):
            j = k * block // 2
            carrier = bisect.bisect_right(ends, j)
            if carrier < count:
                waits.append((carrier - k) * 20.0)
        print(f"    soxr {quality:<4} p50 {percentile(waits, 50):5.1f} ms   p95 {percentile(waits, 95):5.1f} ms")


# ==================================================================================================================
# 2. first audio delta -> heard on vmic
# ==================================================================================================================


def reply_steps(count: int, delta_ms: int, reply_ms: int, frequency: float) -> list[Any]:
    """Script steps for `count` spoken replies of `reply_ms` (a tone, or HISS), each after the next response.create.

    The fake's scripts are per connection, so every reply of the run is scripted before the kiosk connects. The
    deltas stream at twice real time (no think time before the first one)."""
    from tests.fakes.realtime_server import AudioReply, WaitFor

    steps: list[Any] = []
    for _ in range(count):
        steps += [WaitFor("response.create", timeout=900),
                  AudioReply("Here you go.", chunks=max(1, reply_ms // delta_ms), chunk_ms=delta_ms,
                             spacing=delta_ms / 2000, frequency=frequency)]
    return steps


async def run_replies(kiosk: Kiosk, count: int) -> list[tuple[str, float]]:
    items: list[tuple[str, float]] = []
    for n in range(count):
        before = set(kiosk.probe.deltas)
        await kiosk.runtime.conversation.submit_text(f"reply number {n}")
        items.append(await kiosk.new_reply(before))
        await kiosk.voice.playback.wait_drained(within=10)
        await asyncio.sleep(0.25 + random.random() * 0.05)
    return items


def report_playback(kiosk: Kiosk, stream: CapturedStream, items: list[tuple[str, float]], delta_ms: int) -> bool:
    probe = kiosk.probe
    rows: list[dict[str, float]] = []
    tails: list[float] = []
    first_held = 0
    missing = 0
    reply_ms = max(1, REPLY_MS // delta_ms) * delta_ms
    for item, began in items:
        delta = probe.deltas[item]
        start = stream.frame_at(delta.recv_at - 0.005)
        onset = stream.first_above(stream.pcm, 2000, start, start + RATE)
        if onset is None:
            missing += 1
            continue
        heard = stream.time_of(onset)
        sent = [w for w in kiosk.server.sent("response.output_audio.delta") if w.extra.get("item_id") == item]
        rows.append({
            "total": heard - delta.recv_at,
            "parse (JSON + base64)": delta.parsed_at - delta.recv_at,
            "dispatch -> play()": delta.play_in - delta.parsed_at,
            "play(): resample + queue": delta.queued_at - delta.play_in,
            "queued -> device callback": began - delta.queued_at,
            "device -> heard on vmic": heard - began,
            **({"server sent -> client read": delta.recv_at - sent[0].at} if sent else {}),
        })
        if delta.first_out == 0:
            first_held += 1
        envelope = stream.tone_envelope(onset, onset + (reply_ms + 150) * RATE // 1000)  # before the next reply
        loud = stream.np.flatnonzero(envelope > 0.5 * float(stream.np.median(envelope[:RATE // 20])))
        if loud.size:
            heard_ms = (loud[-1] + 1) * 1000 / RATE
            tails.append(reply_ms - heard_ms)
    print(f"\n2. first response.output_audio.delta read by the client -> its first sample heard on vmic "
          f"({delta_ms} ms deltas)")
    print(f"  replies: {len(items)}, measured {len(rows)}, no onset found {missing}; first delta fully held back "
          f"by the 24 -> 48 kHz resampler: {first_held}")
    if not rows:
        return False
    keys = ["parse (JSON + base64)", "dispatch -> play()", "play(): resample + queue", "queued -> device callback",
            "device -> heard on vmic"]
    print_table("first delta -> heard", rows, ["total"])
    print("  of which (they add up to the total):")
    print_table("", rows, keys)
    print("  before it (not in the total):")
    print_table("", rows, ["server sent -> client read"])
    if items:
        t0 = probe.deltas[items[0][0]].recv_at
        t1 = probe.deltas[items[-1][0]].recv_at + 1.0
        cut = [w.type for w in kiosk.server.wire if w.direction == "recv" and t0 <= w.at <= t1
               and w.type in ("response.cancel", "conversation.item.truncate", "conversation.item.delete")]
        starts = sum(1 for t in probe.speech_started_calls if t0 <= t <= t1)
        print(f"  nobody spoke, yet: shopper_speech_started() {starts} times, server got {len(cut)} cancel/truncate/"
              f"delete ({', '.join(sorted(set(cut))) or 'none'})")
    if tails:
        print(f"  end of each reply not heard (sent minus heard tone): p50 {percentile(tails, 50):.1f} ms, "
              f"max {max(tails):.1f} ms")
    p95 = percentile([ms(r["total"]) for r in rows], 95)
    verdict = "ok" if p95 <= GOALS_MS["playback"] else "MISSED"
    print(f"  goal p95 <= {GOALS_MS['playback']:.0f} ms: {verdict} (p95 {p95:.2f} ms)")
    return p95 <= GOALS_MS["playback"]


# ==================================================================================================================
# 3. barge-in
# ==================================================================================================================


def shopper_speech() -> Any:
    """'I would like the blue one please' at 48 kHz, low-passed below SPEECH_CUTOFF_HZ, starting loud."""
    import numpy as np

    from audio.resample import resample
    from audio.synthesizer import EspeakSynthesizer

    pcm, rate = EspeakSynthesizer().synthesize("I would like the blue one, please.")
    x = resample(pcm, rate, RATE).astype(np.float64)
    x = np.convolve(x, lowpass_kernel(SPEECH_CUTOFF_HZ), mode="same")
    x = x * (12000 / np.max(np.abs(x)))
    loud = np.flatnonzero(np.abs(x) > 600)
    x = x[int(loud[0]):int(loud[-1]) + 1]
    return x.astype(np.int16)


@dataclasses.dataclass
class BargeIn:
    item: str
    reply_started: float  # the device callback took the reply's first sample
    stopped_itself: float | None  # seconds into the reply the kiosk cut itself off before the shopper spoke
    speech_play_at: float
    speech_started: float | None  # the device callback took the speech's first sample
    stop: tuple[float, int, Any] | None  # the kiosk speaker's first flush after the speech
    decided_at: float | None  # VoiceLoop.timings["barge_in_at"]
    received_bytes: int


async def run_barge_ins(kiosk: Kiosk, count: int) -> list[BargeIn]:
    from audio.playback import SpeakerPlayback

    speech = shopper_speech()
    shopper = SpeakerPlayback("vsink", RATE, block_ms=20, loop=asyncio.get_running_loop())
    shopper.start()
    trials: list[BargeIn] = []
    try:
        for n in range(count):
            before = set(kiosk.probe.deltas)
            turn = asyncio.create_task(kiosk.runtime.conversation.submit_text(f"tell me about tents {n}"))
            stops_at_reply = len(kiosk.probe.stops)
            item, reply_started = await kiosk.new_reply(before)
            await asyncio.sleep(0.5 + random.random() * 0.5)
            stops_before = len(kiosk.probe.stops)
            tag = f"shopper-{time.monotonic()}"
            played_at = time.monotonic()
            shopper.play(speech, tag)
            try:
                await kiosk.cut_after(played_at)
            except TimeoutError:
                pass  # no barge-in: reported as such
            await asyncio.wait_for(turn, 15)
            await shopper.wait_drained(within=10)
            await kiosk.voice.playback.wait_drained(within=15)
            await asyncio.sleep(0.9)  # the VAD's speech end, the server's answers, a quiet gap
            stop = kiosk.probe.stops[stops_before] if len(kiosk.probe.stops) > stops_before else None
            itself = [t - reply_started for t, _, _ in kiosk.probe.stops[stops_at_reply:stops_before]]
            trials.append(BargeIn(item, reply_started, itself[0] if itself else None, played_at,
                                  shopper.started_at(tag), stop,
                                  kiosk.voice.timings.get("barge_in_at"), kiosk.brain._audio_received.get(item, 0)))
    finally:
        shopper.close()
    return trials


def report_barge_ins(kiosk: Kiosk, stream: CapturedStream, trials: list[BargeIn]) -> bool:
    np = stream.np
    debounce = kiosk.voice.config.barge_in_ms / 1000
    rows: list[dict[str, float]] = []
    checks: list[str] = []
    heard_vs_played: list[float] = []
    truncate_ok = 0
    for trial in trials:
        start = stream.frame_at(trial.speech_play_at - 0.01)
        low = stream.lowpassed(start, start + RATE)
        onset_rel = stream.first_above(low, 800, 0)
        if onset_rel is None:
            checks.append(f"{trial.item}: the shopper's speech was not found on vmic")
            continue
        onset = start + onset_rel
        t_speech = stream.time_of(onset)
        vad_starts = [v[0] - t_speech for v in kiosk.probe.vad
                      if v[1] == "speech_started" and t_speech - 1.0 <= v[0] <= t_speech + 2.0]
        if trial.stopped_itself is not None:
            checks.append(f"{trial.item}: the kiosk interrupted itself {ms(trial.stopped_itself):.0f} ms into the "
                          "reply, before the shopper spoke (its own echo reached the VAD)")
            continue
        if trial.stop is None:
            checks.append(f"{trial.item}: no barge-in (VAD speech starts at {[round(ms(v)) for v in vad_starts]} ms "
                          "from the speech onset)")
            continue
        stop_at, played, tag = trial.stop
        early = [v for v in vad_starts if v < stop_at - t_speech]
        if early and early[0] < 0.15:
            checks.append(f"{trial.item}: the VAD's voiced run began before the speech (speech_started "
                          f"{ms(early[0]):.0f} ms after the onset): echo or noise counted towards the debounce")
        # the reply's end: first frame after the stop (minus a margin) where its band level stays below half
        a = stream.frame_at(stop_at - 0.05)
        envelope = stream.band_rms(a, a + RATE // 2)
        level = float(np.median(stream.band_rms(onset - RATE // 10, onset)))
        quiet = envelope < 0.5 * level
        end = None
        for i in np.flatnonzero(quiet):
            if quiet[i:i + RATE // 100].all():
                end = a + int(i)
                break
        cancel = [w for w in kiosk.server.received("response.cancel", trial.speech_play_at)]
        cut = (kiosk.server.received("conversation.item.truncate", trial.speech_play_at)
               + kiosk.server.received("conversation.item.delete", trial.speech_play_at))
        row: dict[str, float] = {
            "decision (flush)": stop_at - t_speech,
            "speech_started() called": min((t for t in kiosk.probe.speech_started_calls if t >= t_speech),
                                           default=float("nan")) - t_speech,
        }
        if end is not None:
            row["playback silent on vmic"] = stream.time_of(end) - t_speech
        if cancel:
            row["response.cancel at server"] = cancel[0].at - t_speech
            send = kiosk.probe.sends.get(cancel[0].event_id)
            if send:
                row["response.cancel sent"] = send.start - t_speech
        if cut:
            row["truncate at server"] = cut[0].at - t_speech
            send = kiosk.probe.sends.get(cut[0].event_id)
            if send:
                row["truncate sent"] = send.start - t_speech
        if cancel and cut:
            row["cancel + truncate at server"] = max(cancel[0].at, cut[0].at) - t_speech
        rows.append(row)
        # the truncate position against the playback's count and against what vmic heard
        if tag == trial.item and cut:
            played24 = played * 24000 // RATE
            expected = min(played24 * 1000 // 24000, (trial.received_bytes // 2) * 1000 // 24000)
            got = cut[0].extra.get("audio_end_ms")
            if got == expected:
                truncate_ok += 1
            else:
                checks.append(f"{trial.item}: audio_end_ms {got} != {expected} from {played} samples played")
            if end is not None:
                b = stream.frame_at(trial.reply_started - 0.01)
                tone_onset = stream.first_above(stream.band_rms(b, b + RATE // 2), 0.5 * level, 0)
                if tone_onset is not None:
                    tone_onset += b
                    heard_vs_played.append((end - tone_onset) * 1000 / RATE - played * 1000 / RATE)
        elif cut:
            checks.append(f"{trial.item}: the flush stopped {tag!r}, not the reply")
    print(f"\n3. barge-in: shopper speech heard on vmic while a reply plays -> (debounce {debounce * 1000:.0f} ms)")
    if trials:
        seen = [v for v in kiosk.probe.vad if v[0] >= trials[0].speech_play_at - 1]
        starts = [v for v in seen if v[1] == "speech_started"]
        print(f"  local VAD during the trials: {len(starts)} speech starts ({sum(1 for v in starts if v[3])} while "
              f"the kiosk spoke), {len(seen) - len(starts)} speech ends")
    print(f"  trials {len(trials)}, measured {len(rows)}; truncate audio_end_ms == playback count at the stop: "
          f"{truncate_ok}/{len(rows)}")
    for line in checks:
        print(f"  ! {line}")
    if heard_vs_played:
        print(f"  reply heard on vmic minus samples played at the stop: p50 {percentile(heard_vs_played, 50):+.1f} ms, "
              f"range {min(heard_vs_played):+.1f} .. {max(heard_vs_played):+.1f} ms")
    if not rows:
        return False
    keys = ["decision (flush)", "speech_started() called", "playback silent on vmic", "response.cancel sent",
            "response.cancel at server", "truncate sent", "truncate at server", "cancel + truncate at server"]
    print("  from the speech onset:")
    print_table("", rows, [k for k in keys if any(k in r for r in rows)])
    after = [{k: v - debounce for k, v in r.items()} for r in rows]
    print("  after the debounce (minus barge_in_ms):")
    print_table("", after, [k for k in keys if any(k in r for r in rows)])
    ok = True
    for key in ("playback silent on vmic", "cancel + truncate at server"):
        values = [ms(r[key]) for r in after if key in r]
        p95 = percentile(values, 95)
        good = len(values) == len(rows) and p95 <= GOALS_MS["barge-in"]
        print(f"  goal {key} p95 <= {GOALS_MS['barge-in']:.0f} ms after the debounce: {'ok' if good else 'MISSED'} "
              f"(p95 {p95:.2f} ms, {len(values)}/{len(rows)} trials)")
        ok = ok and good
    return ok


# ==================================================================================================================


async def run(args: argparse.Namespace, server: ServerProcess, data_dir: Path, catalog: Path) -> bool:
    server.attach(asyncio.get_running_loop())
    sections = [args.only] if args.only else ["capture", "playback", "barge-in"]
    steps: list[Any] = []
    if "playback" in sections:
        steps += reply_steps(args.replies, args.delta_ms, REPLY_MS, TONE_HZ)
    if "barge-in" in sections:
        sound = HISS if args.barge_reply == "hiss" else TONE_HZ
        steps += reply_steps(args.barge_ins, args.delta_ms, BARGE_REPLY_MS, sound)
    if steps:
        server.script(*steps)
    kiosk = await build_kiosk(server, data_dir, catalog)
    windows: list[tuple[str, float, float]] = []
    items: list[tuple[str, float]] = []
    trials: list[BargeIn] = []
    try:
        print(f"echo control: {kiosk.voice.echo_mode}; speaker output latency "
              f"{kiosk.voice.playback.output_latency * 1000:.0f} ms (PortAudio's figure); fake server pid "
              f"{server.process.pid}")
        await asyncio.sleep(1.0)  # warm-up
        if "capture" in sections:
            t0 = time.monotonic()
            await asyncio.sleep(args.capture_seconds)
            windows.append(("idle (nothing playing)", t0, time.monotonic()))
        t_busy = time.monotonic()
        if "playback" in sections:
            items = await run_replies(kiosk, args.replies)
        if "barge-in" in sections:
            trials = await run_barge_ins(kiosk, args.barge_ins)
        if "capture" in sections and len(sections) > 1:
            windows.append(("while replies play and barge-ins happen", t_busy, time.monotonic()))
        await asyncio.sleep(0.3)
    finally:
        await close_kiosk(kiosk)
    stream = CapturedStream(kiosk.probe.mic)
    ok = True
    if "capture" in sections:
        ok = report_capture(kiosk, stream, windows) and ok
    if "playback" in sections:
        ok = report_playback(kiosk, stream, items, args.delta_ms) and ok
    if "barge-in" in sections:
        ok = report_barge_ins(kiosk, stream, trials) and ok
    errors = kiosk.server.sent("error")
    if errors:
        print(f"\nserver error events: {len(errors)}: "
              + "; ".join(sorted({str((e.extra.get('error') or {}).get('code')) for e in errors})))
    print("\nall goals met" if ok else "\nsome goals missed")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["capture", "playback", "barge-in"])
    parser.add_argument("--capture-seconds", type=float, default=15.0)
    parser.add_argument("--replies", type=int, default=40)
    parser.add_argument("--barge-ins", type=int, default=20)
    parser.add_argument("--barge-reply", choices=["hiss", "tone"], default="hiss",
                        help="section 3's reply: band-limited noise (default) or the 6 kHz tone")
    parser.add_argument("--delta-ms", type=int, default=40, help="audio per output_audio.delta from the fake")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    random.seed(6)

    from app.catalog.build import build_catalog

    server = ServerProcess()
    try:
        start_virtual_audio()
        with tempfile.TemporaryDirectory(prefix="aisle-bench-rt-") as tmp:
            catalog = Path(tmp) / "catalog.db"
            build_catalog(catalog)
            ok = asyncio.run(run(args, server, Path(tmp) / "data", catalog))
    finally:
        server.close()
        stop_virtual_audio()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
