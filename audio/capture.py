"""Microphone capture: a PortAudio input stream whose callback only copies blocks and hands them to asyncio.

The device callback runs on PortAudio's thread. It copies the block (int16 mono) into a bounded ring (the oldest
block is dropped and counted when the ring is full, so a stalled loop cannot grow memory) and wakes the loop with
``loop.call_soon_threadsafe`` at most once per batch. On the loop, blocks go either to ``on_block`` or to
``await capture.read()``.

Device trouble never raises in the callback: PortAudio status flags and the stream dying (``finished_callback``
without us asking, or no block for ``stall_timeout`` seconds) are reported to ``on_error`` on the loop.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from audio.devices import (
    AudioDevice,
    AudioUnavailable,
    Problem,
    find_device,
    sounddevice_module,
    stream_closed,
    stream_opened,
)

log = logging.getLogger("aisle.audio.capture")

SILENCE_DBFS = -120.0


@dataclass(frozen=True)
class AudioBlock:
    """One captured block. ``pcm`` is int16 mono; ``start_frame`` counts samples since the stream started."""

    pcm: np.ndarray
    start_frame: int
    captured_at: float  # time.monotonic() in the device callback
    status: str = ""  # PortAudio status flags for this block ("" when clean)
    adc_time: float = 0.0  # PortAudio stream time at which the first sample was captured (0: unknown)


@dataclass(frozen=True)
class AudioDeviceError:
    """A problem with a running stream. ``fatal`` means the stream is gone and must be re-created."""

    message: str  # plain words for a person
    detail: str  # technical, for the log
    fatal: bool


BlockHandler = Callable[[AudioBlock], "Awaitable[None] | None"]
ErrorHandler = Callable[[AudioDeviceError], None]


def level_dbfs(pcm: np.ndarray) -> float:
    """RMS level of int16 samples in dBFS (0 dBFS = full-scale square wave); -120 for silence."""
    if pcm.size == 0:
        return SILENCE_DBFS
    x = pcm.astype(np.float32)
    rms = math.sqrt(float(np.mean(x * x)))
    if rms <= 0.0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 20.0 * math.log10(rms / 32768.0))


class MicrophoneCapture:
    """Capture int16 mono blocks from an input device into the asyncio loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        device: str | int | AudioDevice | None = None,
        samplerate: int = 48000,
        block_ms: int = 20,
        on_block: BlockHandler | None = None,
        on_error: ErrorHandler | None = None,
        *,
        max_queued_blocks: int = 50,
        latency: str | float = "low",
        stall_timeout: float = 2.0,
    ) -> None:
        self.loop = loop
        self.device = device
        self.samplerate = int(samplerate)
        self.block_ms = int(block_ms)
        self.blocksize = self.samplerate * self.block_ms // 1000
        self.on_block = on_block
        self.on_error = on_error
        self.latency = latency
        self.stall_timeout = stall_timeout
        self._ring: collections.deque[AudioBlock] = collections.deque()
        self._max_queued = max(1, int(max_queued_blocks))
        self._ring_lock = threading.Lock()
        self._wake_pending = False
        self._data_ready = asyncio.Event()
        self._stream: Any = None
        self._stopping = False
        self._frames = 0
        self._dropped = 0
        self._status_count = 0
        self._last_status_report = 0.0
        self._last_block: np.ndarray | None = None
        self._last_callback_at = 0.0
        self._generation = 0
        self._pending_tasks: set[asyncio.Task[None]] = set()
        self._error_reported = False
        self.device_info: AudioDevice | None = None

    # ------------------------------------------------------------------ public API
    @property
    def running(self) -> bool:
        return self._stream is not None and not self._stopping

    @property
    def dropped_blocks(self) -> int:
        """Blocks dropped because the consumer did not keep up (the ring was full)."""
        return self._dropped

    @property
    def status_flag_count(self) -> int:
        """Callbacks that carried a PortAudio status flag (e.g. input overflow)."""
        return self._status_count

    @property
    def frames_captured(self) -> int:
        return self._frames

    @property
    def level_dbfs(self) -> float:
        """RMS of the last captured block in dBFS, for a level meter."""
        block = self._last_block
        return SILENCE_DBFS if block is None else level_dbfs(block)

    def start(self) -> None:
        """Open and start the input stream. Raises :class:`AudioUnavailable` when the device cannot be used.

        Opening a device takes a few milliseconds to a few tens of them; call it through ``astart`` (or an executor)
        if that matters.
        """
        if self._stream is not None:
            return
        sd = sounddevice_module()
        dev = self.device if isinstance(self.device, AudioDevice) else find_device("input", self.device)
        self.device_info = dev
        self._stopping = False
        self._error_reported = False
        self._frames = 0
        try:
            stream = sd.InputStream(
                device=dev.index,
                samplerate=self.samplerate,
                blocksize=self.blocksize,
                channels=1,
                dtype="int16",
                latency=self.latency,
                callback=self._callback,
                finished_callback=self._finished,
            )
        except Exception as exc:
            log.warning("opening microphone %r failed: %s", dev.name, exc)
            raise AudioUnavailable(Problem.OPEN_FAILED, detail=f"{dev.name}: {exc}") from exc
        stream_opened(stream)
        self._last_callback_at = time.monotonic()
        try:
            stream.start()
        except Exception as exc:
            self._close_quietly(stream)
            raise AudioUnavailable(Problem.OPEN_FAILED, detail=f"{dev.name}: {exc}") from exc
        self._stream = stream
        self._generation += 1
        log.info("microphone %r started: %d Hz, %d ms blocks", dev.name, self.samplerate, self.block_ms)
        self._post(self._arm_watchdog, self._generation)

    def stop(self) -> None:
        """Stop and close the stream (idempotent). Queued blocks stay readable."""
        stream = self._stream
        if stream is None:
            return
        self._stopping = True
        self._generation += 1  # retires the watchdog
        self._close_quietly(stream)
        self._stream = None
        log.info("microphone stopped (%d frames, %d dropped blocks)", self._frames, self._dropped)

    async def astart(self) -> None:
        """``start`` in a worker thread so that opening the device does not hold up the loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.start)

    async def astop(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.stop)

    async def read(self) -> AudioBlock:
        """Wait for the next block (when no ``on_block`` handler is set)."""
        while True:
            with self._ring_lock:
                if self._ring:
                    return self._ring.popleft()
                self._data_ready.clear()
            await self._data_ready.wait()

    def read_nowait(self) -> AudioBlock | None:
        with self._ring_lock:
            return self._ring.popleft() if self._ring else None

    # ------------------------------------------------------------------ PortAudio thread
    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        pcm = indata[:, 0].copy()
        flags = str(status).strip() if status else ""
        try:
            adc_time = float(time_info.inputBufferAdcTime)
        except (AttributeError, TypeError, ValueError):
            adc_time = 0.0
        block = AudioBlock(pcm=pcm, start_frame=self._frames, captured_at=now, status=flags, adc_time=adc_time)
        if flags:
            self._status_count += 1
            if now - self._last_status_report > 1.0:  # at most one report a second
                self._last_status_report = now
                self._post(self._report, f"PortAudio status: {flags}", False)
        self._frames += frames
        self._last_block = pcm
        self._last_callback_at = now
        with self._ring_lock:
            if len(self._ring) >= self._max_queued:
                self._ring.popleft()
                self._dropped += 1
            self._ring.append(block)
            if self._wake_pending:
                return
            self._wake_pending = True
        self._post(self._drain)

    def _finished(self) -> None:
        if not self._stopping:
            self._post(self._report, "the input stream ended by itself", True)

    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # loop closed: nobody is listening any more
            pass

    # ------------------------------------------------------------------ event loop
    def _drain(self) -> None:
        with self._ring_lock:
            self._wake_pending = False
            if self.on_block is None:
                self._data_ready.set()
                return
            blocks = list(self._ring)
            self._ring.clear()
        for block in blocks:
            try:
                result = self.on_block(block) if self.on_block is not None else None
            except Exception:
                log.exception("on_block handler failed")
                continue
            if asyncio.iscoroutine(result):
                task = self.loop.create_task(result)
                self._pending_tasks.add(task)
                task.add_done_callback(self._pending_tasks.discard)

    def _report(self, detail: str, fatal: bool) -> None:
        if fatal:
            if self._error_reported:
                return
            self._error_reported = True
            log.warning("microphone lost: %s", detail)
            if self._stream is not None:
                stream = self._stream
                self._stream = None
                self._stopping = True
                self._generation += 1
                # Closing joins PortAudio's thread: do it off the loop.
                self.loop.run_in_executor(None, self._close_quietly, stream)
        else:
            log.info("microphone: %s", detail)
        if self.on_error is not None:
            message = AudioUnavailable(Problem.MICROPHONE_LOST).message if fatal else "Microphone glitch."
            try:
                self.on_error(AudioDeviceError(message=message, detail=detail, fatal=fatal))
            except Exception:
                log.exception("on_error handler failed")

    def _arm_watchdog(self, generation: int) -> None:
        if self.stall_timeout > 0 and generation == self._generation:
            self.loop.call_later(self.stall_timeout / 2, self._check_stall, generation)

    def _check_stall(self, generation: int) -> None:
        if generation != self._generation or self._stream is None or self._stopping:
            return
        silent_for = time.monotonic() - self._last_callback_at
        if silent_for > self.stall_timeout:
            self._report(f"no audio from the device for {silent_for:.1f} s", True)
            return
        self._arm_watchdog(generation)

    @staticmethod
    def _close_quietly(stream: Any) -> None:
        try:
            stream.abort()
        except Exception as exc:
            log.debug("abort: %s", exc)
        try:
            stream.close()
        except Exception as exc:
            log.debug("close: %s", exc)
        stream_closed(stream)
