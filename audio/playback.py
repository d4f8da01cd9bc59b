"""Speaker playback: a PortAudio output stream fed from a thread-safe queue of int16 mono samples.

The stream runs continuously once started and plays silence when nothing is queued, so that the echo-reference tap
stays continuous and starting an utterance costs no device start-up.

``played_samples`` counts the samples the device callback has actually taken from the queue for an utterance (a
``tag``), not what wall-clock time suggests; that is the position at which a realtime model's turn is truncated
after a barge-in. It does not include the device's own output latency (``output_latency``): those samples were
handed to the device but may not have reached the loudspeaker yet.

Hooks (``on_drained``, ``on_played``, ``on_played_at``, ``on_error``) run on the asyncio loop, never on PortAudio's
thread. ``on_played_at(block, start_frame, dac_time)`` also says where the block sits in the output stream (frames
written since the stream started) and when PortAudio expects its first sample at the converter: echo cancellation
pairs the reference with the microphone by those times (see ``audio.echo_reference.ClockedReference``).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from audio.capture import AudioDeviceError
from audio.devices import (
    AudioDevice,
    AudioUnavailable,
    Problem,
    find_device,
    sounddevice_module,
    stream_closed,
    stream_opened,
)

log = logging.getLogger("aisle.audio.playback")

Tag = Hashable
_TAG_HISTORY = 32


@dataclass
class _Chunk:
    tag: Tag
    pcm: np.ndarray
    pos: int = 0


class SpeakerPlayback:
    """Play int16 mono PCM on an output device, with an exact count of what the device consumed."""

    def __init__(
        self,
        device: str | int | AudioDevice | None = None,
        samplerate: int = 24000,
        *,
        block_ms: int = 20,
        loop: asyncio.AbstractEventLoop | None = None,
        on_drained: Callable[[Tag], None] | None = None,
        on_played: Callable[[np.ndarray], None] | None = None,
        on_played_at: Callable[[np.ndarray, int, float], None] | None = None,
        on_error: Callable[[AudioDeviceError], None] | None = None,
        latency: str | float = "low",
    ) -> None:
        self.device = device
        self.samplerate = int(samplerate)
        self.block_ms = int(block_ms)
        self.blocksize = self.samplerate * self.block_ms // 1000
        self.loop = loop
        self.on_drained = on_drained
        self.on_played = on_played
        self.on_played_at = on_played_at
        self.on_error = on_error
        self.latency = latency
        self.device_info: AudioDevice | None = None
        self._lock = threading.Lock()
        self._queue: collections.deque[_Chunk] = collections.deque()
        self._queued = 0
        self._played: collections.OrderedDict[Tag, int] = collections.OrderedDict()
        self._handed: dict[Tag, int] = {}
        self._started_at: dict[Tag, float] = {}
        self._current_tag: Tag = None
        self._was_playing = False
        self._stream: Any = None
        self._stream_lock = threading.Lock()  # a restart (stop_now(drop_buffered=True)) and close() take turns
        self._stopping = False
        self._restarting = False
        self._error_reported = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self.blocks_written = 0
        self.frames_written = 0  # device frames handed to the stream since it started (silence included)
        self.underflows = 0  # callbacks that reported an output underflow
        self.restarts = 0  # times the stream was restarted to drop what the device held (see stop_now)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Open and start the output stream (idempotent). Raises :class:`AudioUnavailable`."""
        if self._stream is not None:
            return
        if self.loop is None:
            try:
                self.loop = asyncio.get_running_loop()
            except RuntimeError:
                log.warning("SpeakerPlayback started outside an event loop: hooks are disabled")
        sd = sounddevice_module()
        dev = self.device if isinstance(self.device, AudioDevice) else find_device("output", self.device)
        self.device_info = dev
        self._stopping = False
        self._error_reported = False
        self.frames_written = 0
        try:
            stream = sd.OutputStream(
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
            log.warning("opening speaker %r failed: %s", dev.name, exc)
            raise AudioUnavailable(Problem.OPEN_FAILED, detail=f"{dev.name}: {exc}") from exc
        stream_opened(stream)
        try:
            stream.start()
        except Exception as exc:
            self._close_quietly(stream)
            raise AudioUnavailable(Problem.OPEN_FAILED, detail=f"{dev.name}: {exc}") from exc
        self._stream = stream
        log.info("speaker %r started: %d Hz, %d ms blocks, latency %.1f ms", dev.name, self.samplerate,
                 self.block_ms, self.output_latency * 1000)

    def close(self) -> None:
        """Stop and close the stream (idempotent); anything still queued is discarded."""
        stream = self._stream
        if stream is None:
            return
        self._stopping = True
        self._stream = None
        with self._stream_lock:
            self._close_quietly(stream)
        with self._lock:
            self._queue.clear()
            self._queued = 0
        log.info("speaker closed")

    async def astart(self) -> None:
        """``start`` in a worker thread (opening a device can take tens of milliseconds)."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        await self.loop.run_in_executor(None, self.start)

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    @property
    def running(self) -> bool:
        return self._stream is not None

    @property
    def output_latency(self) -> float:
        """The device's output latency in seconds as PortAudio reports it (0 when not running)."""
        stream = self._stream
        try:
            return float(stream.latency) if stream is not None else 0.0
        except Exception:
            return 0.0

    # ------------------------------------------------------------------ playing
    def play(self, pcm: np.ndarray, tag: Tag = None) -> None:
        """Queue int16 mono samples (any 1-D array-like; float input in [-1, 1] is converted) under ``tag``.

        Starts the stream when it is not running yet.
        """
        samples = _as_int16(pcm)
        if samples.size == 0:
            return
        if self._stream is None:
            self.start()
        with self._lock:
            self._queue.append(_Chunk(tag=tag, pcm=samples))
            self._queued += samples.size
            self._handed[tag] = self._handed.get(tag, 0) + samples.size
            if tag not in self._played:
                self._played[tag] = 0
                while len(self._played) > _TAG_HISTORY:
                    old, _ = self._played.popitem(last=False)
                    self._handed.pop(old, None)
                    self._started_at.pop(old, None)

    def stop_now(self, drop_buffered: bool = False) -> int:
        """Flush the queue: the next device block is silence. Returns ``played_samples`` of the current tag.

        What the device already holds (its output latency) still plays out, unless ``drop_buffered`` (a barge-in):
        the stream is then aborted, which discards it, and started again on a worker thread. On the virtual card
        the room went quiet 20-40 ms after the call instead of 85-105 ms. The gap in the output stream counts in
        ``restarts`` (the echo canceller re-pairs its reference after one, as after an underflow)."""
        with self._lock:
            self._queue.clear()
            self._queued = 0
            played = self._played.get(self._current_tag, 0)
        log.debug("playback flushed at %d samples of %r", played, self._current_tag)
        if drop_buffered and self._stream is not None:
            if self.loop is not None and self.loop.is_running():
                self.loop.run_in_executor(None, self._drop_device_buffer)
            else:
                self._drop_device_buffer()
        return played

    def _drop_device_buffer(self) -> None:
        with self._stream_lock:
            stream = self._stream
            if stream is None or self._stopping:
                return
            self._restarting = True  # the abort's finished callback is not a lost device
            try:
                stream.abort()
                stream.start()
            except Exception as exc:
                log.warning("restarting the speaker's stream failed: %s", exc)
                self._post(self._lost, f"restarting the output stream failed: {exc}")
            finally:
                self._restarting = False
            self.restarts += 1

    @property
    def played_samples(self) -> int:
        """Samples of the current (or most recent) tag that the device callback has consumed."""
        with self._lock:
            return self._played.get(self._current_tag, 0)

    def played_samples_for(self, tag: Tag) -> int:
        """Samples of ``tag`` consumed by the device callback (0 for an unknown tag)."""
        with self._lock:
            return self._played.get(tag, 0)

    def handed_samples_for(self, tag: Tag) -> int:
        """Samples of ``tag`` given to :meth:`play` so far."""
        with self._lock:
            return self._handed.get(tag, 0)

    def started_at(self, tag: Tag) -> float | None:
        """``time.monotonic()`` at which the device callback wrote the first sample of ``tag`` (None: not yet)."""
        with self._lock:
            return self._started_at.get(tag)

    @property
    def current_tag(self) -> Tag:
        return self._current_tag

    @property
    def is_playing(self) -> bool:
        """True while queued audio remains to be handed to the device."""
        return self._queued > 0

    async def wait_drained(self, within: float | None = None) -> bool:
        """Wait until the queue runs empty; False when that takes longer than ``within`` seconds."""
        if not self.is_playing:
            return True
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._drain_waiters.append(fut)
        try:
            await asyncio.wait_for(fut, within)
            return True
        except TimeoutError:
            return False
        finally:
            if fut in self._drain_waiters:
                self._drain_waiters.remove(fut)

    # ------------------------------------------------------------------ PortAudio thread
    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        out = outdata[:, 0]
        written = 0
        drained_tag: Tag = None
        drained = False
        with self._lock:
            queue = self._queue
            while written < frames and queue:
                chunk = queue[0]
                if chunk.tag != self._current_tag:
                    self._current_tag = chunk.tag
                take = min(frames - written, chunk.pcm.size - chunk.pos)
                out[written:written + take] = chunk.pcm[chunk.pos:chunk.pos + take]
                if chunk.tag in self._played:
                    if self._played[chunk.tag] == 0:
                        self._started_at[chunk.tag] = now + written / self.samplerate
                    self._played[chunk.tag] += take
                chunk.pos += take
                written += take
                if chunk.pos >= chunk.pcm.size:
                    queue.popleft()
            self._queued = max(0, self._queued - written)
            if written:
                self._was_playing = True
            if self._was_playing and not queue:
                self._was_playing = False
                drained = True
                drained_tag = self._current_tag
        if written < frames:
            out[written:] = 0
        self.blocks_written += 1
        start_frame = self.frames_written
        self.frames_written += frames
        if status and getattr(status, "output_underflow", False):
            self.underflows += 1
        if self.on_played is not None or self.on_played_at is not None:
            block = out.copy()
            if self.on_played is not None:
                self._post(self.on_played, block)
            if self.on_played_at is not None:
                try:
                    dac_time = float(time_info.outputBufferDacTime)
                except (AttributeError, TypeError, ValueError):
                    dac_time = 0.0
                self._post(self.on_played_at, block, start_frame, dac_time)
        if drained:
            self._post(self._drained, drained_tag)

    def _finished(self) -> None:
        if not self._stopping and not self._restarting:
            self._post(self._lost, "the output stream ended by itself")

    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        loop = self.loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # loop closed
            pass

    # ------------------------------------------------------------------ event loop
    def _drained(self, tag: Tag) -> None:
        for fut in self._drain_waiters:
            if not fut.done():
                fut.set_result(None)
        self._drain_waiters.clear()
        if self.on_drained is not None:
            try:
                self.on_drained(tag)
            except Exception:
                log.exception("on_drained handler failed")

    def _lost(self, detail: str) -> None:
        if self._error_reported:
            return
        self._error_reported = True
        log.warning("speaker lost: %s", detail)
        stream = self._stream
        if stream is not None:
            self._stream = None
            self._stopping = True
            if self.loop is not None:
                self.loop.run_in_executor(None, self._close_quietly, stream)
        with self._lock:
            self._queue.clear()
            self._queued = 0
        self._drained(self._current_tag)
        if self.on_error is not None:
            try:
                self.on_error(AudioDeviceError(AudioUnavailable(Problem.SPEAKER_LOST).message, detail, True))
            except Exception:
                log.exception("on_error handler failed")

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


def _as_int16(pcm: Any) -> np.ndarray:
    arr = np.asarray(pcm)
    if arr.ndim > 1:
        # (frames, 1) or (1, frames): flatten; (frames, channels): mix down, keeping the sample type
        arr = arr.reshape(-1) if 1 in (arr.shape[-1], arr.shape[0]) else arr.mean(axis=1).astype(arr.dtype)
    if arr.dtype == np.int16:
        out: np.ndarray = np.ascontiguousarray(arr)
    elif np.issubdtype(arr.dtype, np.floating):
        out = (np.clip(arr, -1.0, 1.0) * 32767.0).astype(np.int16)
    else:
        out = np.clip(arr, -32768, 32767).astype(np.int16)
    return out
