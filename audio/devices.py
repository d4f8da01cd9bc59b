"""Audio device discovery and selection on top of sounddevice (PortAudio).

Everything that can go wrong here (PortAudio missing, no microphone, a named device that is gone) is raised as
:class:`AudioUnavailable`, whose message is written for the person at the kiosk; the technical cause is kept in
``detail`` for the log.

PortAudio caches the device list when it is initialised. :func:`refresh_devices` re-initialises it so that a device
that was unplugged or plugged in since is seen, but only while no stream of ours is open (re-initialising PortAudio
under an open stream would pull the rug from under its callback thread). Capture and playback register their
streams with :func:`stream_opened` / :func:`stream_closed` for that purpose.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType
from typing import Any, Literal

log = logging.getLogger("aisle.audio.devices")

Kind = Literal["input", "output"]

_sd_module: ModuleType | None = None
_sd_lock = threading.RLock()
_open_streams: set[int] = set()


class Problem(StrEnum):
    """Why audio is unavailable: lets the UI choose what to show."""

    NO_PORTAUDIO = "no_portaudio"
    NO_MICROPHONE = "no_microphone"
    NO_SPEAKER = "no_speaker"
    DEVICE_NOT_FOUND = "device_not_found"
    OPEN_FAILED = "open_failed"
    MICROPHONE_LOST = "microphone_lost"
    SPEAKER_LOST = "speaker_lost"


_MESSAGES: dict[Problem, str] = {
    Problem.NO_PORTAUDIO: "The sound system could not be started on this computer. Voice is off; touch and typing "
    "still work.",
    Problem.NO_MICROPHONE: "No microphone was found. Voice is off; touch and typing still work.",
    Problem.NO_SPEAKER: "No speaker was found. Answers are shown on the screen only.",
    Problem.DEVICE_NOT_FOUND: "The chosen audio device is not connected. Voice is off; touch and typing still work.",
    Problem.OPEN_FAILED: "The microphone or speaker could not be started. Voice is off; touch and typing still work.",
    Problem.MICROPHONE_LOST: "The microphone stopped working (was it unplugged?). Voice is off; touch and typing "
    "still work.",
    Problem.SPEAKER_LOST: "The speaker stopped working (was it unplugged?). Answers are shown on the screen only.",
}


class AudioUnavailable(Exception):
    """Audio cannot be used. ``str(exc)`` is a plain-words message for a person; ``detail`` is for the log."""

    def __init__(self, problem: Problem, detail: str = "", message: str | None = None) -> None:
        self.problem = problem
        self.detail = detail
        self.message = message or _MESSAGES[problem]
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"AudioUnavailable({self.problem.value!r}, detail={self.detail!r})"


@dataclass(frozen=True)
class AudioDevice:
    """One PortAudio device as seen at the last (re-)initialisation."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool = False
    is_default_output: bool = False

    @property
    def is_input(self) -> bool:
        return self.max_input_channels > 0

    @property
    def is_output(self) -> bool:
        return self.max_output_channels > 0

    def channels(self, kind: Kind) -> int:
        return self.max_input_channels if kind == "input" else self.max_output_channels


def sounddevice_module() -> ModuleType:
    """Import sounddevice once; raise :class:`AudioUnavailable` when the PortAudio library cannot be loaded."""
    global _sd_module
    with _sd_lock:
        if _sd_module is None:
            try:
                import sounddevice
            except (OSError, ImportError) as exc:  # "PortAudio library not found" is an OSError
                log.warning("sounddevice/PortAudio unavailable: %s", exc)
                raise AudioUnavailable(Problem.NO_PORTAUDIO, detail=str(exc)) from exc
            _sd_module = sounddevice
        return _sd_module


def stream_opened(stream: object) -> None:
    """Record that ``stream`` is open (blocks :func:`refresh_devices` until it is closed)."""
    with _sd_lock:
        _open_streams.add(id(stream))


def stream_closed(stream: object) -> None:
    """Record that ``stream`` is closed."""
    with _sd_lock:
        _open_streams.discard(id(stream))


def open_stream_count() -> int:
    with _sd_lock:
        return len(_open_streams)


def _default_indices(sd: ModuleType) -> tuple[int, int]:
    try:
        pair = sd.default.device
        return int(pair[0]), int(pair[1])
    except Exception:
        return -1, -1


def list_devices(kind: Kind | None = None) -> list[AudioDevice]:
    """All devices PortAudio knows (optionally only inputs or outputs). Empty when there is no sound card."""
    sd = sounddevice_module()
    with _sd_lock:
        try:
            raw: Any = sd.query_devices()
            hostapis: Any = sd.query_hostapis()
        except Exception as exc:
            log.warning("querying audio devices failed: %s", exc)
            return []
        default_in, default_out = _default_indices(sd)
    devices: list[AudioDevice] = []
    for info in raw:
        index = int(info["index"])
        try:
            hostapi_name = str(hostapis[int(info["hostapi"])]["name"])
        except (IndexError, KeyError, TypeError):
            hostapi_name = "?"
        dev = AudioDevice(
            index=index,
            name=str(info["name"]),
            hostapi=hostapi_name,
            max_input_channels=int(info["max_input_channels"]),
            max_output_channels=int(info["max_output_channels"]),
            default_samplerate=float(info["default_samplerate"]),
            is_default_input=index == default_in,
            is_default_output=index == default_out,
        )
        if kind is None or dev.channels(kind) > 0:
            devices.append(dev)
    return devices


def list_input_devices() -> list[AudioDevice]:
    return list_devices("input")


def list_output_devices() -> list[AudioDevice]:
    return list_devices("output")


def _missing(kind: Kind) -> Problem:
    return Problem.NO_MICROPHONE if kind == "input" else Problem.NO_SPEAKER


def find_device(kind: Kind, name: str | int | None = None) -> AudioDevice:
    """Pick a device: by index, by exact name, by case-insensitive substring of its name, or the default.

    Raises :class:`AudioUnavailable` when nothing fits.
    """
    devices = list_devices(kind)
    if not devices:
        raise AudioUnavailable(_missing(kind), detail=f"PortAudio lists no {kind} device")
    if name is None or name == "":
        for dev in devices:
            if (kind == "input" and dev.is_default_input) or (kind == "output" and dev.is_default_output):
                return dev
        for dev in devices:  # PortAudio has no default: prefer the usual names, then the first
            if dev.name in ("default", "pulse", "pipewire"):
                return dev
        return devices[0]
    if isinstance(name, int):
        for dev in devices:
            if dev.index == name:
                return dev
        raise AudioUnavailable(Problem.DEVICE_NOT_FOUND, detail=f"no {kind} device with index {name}")
    for dev in devices:
        if dev.name == name:
            return dev
    wanted = name.lower()
    matches = [dev for dev in devices if wanted in dev.name.lower()]
    if not matches:
        names = ", ".join(d.name for d in devices)
        raise AudioUnavailable(Problem.DEVICE_NOT_FOUND, detail=f"no {kind} device matching {name!r} (have: {names})")
    if len(matches) > 1:
        log.info("%d %s devices match %r; using %r", len(matches), kind, name, matches[0].name)
    return matches[0]


def refresh_devices() -> bool:
    """Re-initialise PortAudio so that unplugged/replugged devices are seen by the next query.

    Only done when none of our streams is open; returns False (and changes nothing) otherwise.
    Raises :class:`AudioUnavailable` when PortAudio is missing or cannot be re-initialised.
    """
    sd = sounddevice_module()
    with _sd_lock:
        if _open_streams:
            log.info("not refreshing the device list: %d stream(s) still open", len(_open_streams))
            return False
        terminate = getattr(sd, "_terminate", None)
        initialize = getattr(sd, "_initialize", None)
        if terminate is None or initialize is None:
            log.warning("this sounddevice version cannot re-initialise PortAudio")
            return False
        try:
            terminate()
        except Exception as exc:
            log.warning("PortAudio terminate failed: %s", exc)
        try:
            initialize()
        except Exception as exc:
            log.error("PortAudio could not be re-initialised: %s", exc)
            raise AudioUnavailable(Problem.NO_PORTAUDIO, detail=str(exc)) from exc
    log.debug("PortAudio re-initialised; %d device(s)", len(list_devices()))
    return True


def describe_devices() -> str:
    """A short multi-line listing for logs and diagnostics."""
    lines = []
    for dev in list_devices():
        flags = ("*in " if dev.is_default_input else "") + ("*out" if dev.is_default_output else "")
        lines.append(
            f"{dev.index:3d} {dev.name!r} [{dev.hostapi}] in={dev.max_input_channels} out={dev.max_output_channels} "
            f"rate={dev.default_samplerate:g} {flags}".rstrip()
        )
    return "\n".join(lines) if lines else "(no audio devices)"
