"""Crash reports, and the kiosk's self-restart after an unhandled exception.

`install_crash_handler` hooks `sys.excepthook` and `threading.excepthook` and turns on `faulthandler` until it is
uninstalled (it is a context manager: `aisle` wraps each command in it, and an exception escaping the command counts
as a crash too):

- an unhandled exception (main thread, a Qt slot, or any thread) is written to `<data_dir>/logs/crash-<timestamp>.log`
  with its traceback, the thread, the command line and the versions;
- a fatal error Python cannot catch (a segfault in a native library, Qt's abort) is written by faulthandler to
  `logs/fault-<pid>.log`, which stays open while the process runs; the next start turns a non-empty one into a
  `crash-<timestamp>-fatal.log` and removes empty ones;
- in kiosk mode the process then re-executes itself, so the shopper sees the attract screen again, after a backoff
  that doubles with each restart in the last hour; past `limit_per_hour` restarts it gives up and exits with status
  70, leaving the decision to the service manager (the systemd unit has its own start limit).

A crash that kills the process outright is restarted by the service manager, not here.
"""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import platform
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from app.redaction import redact_text
from app.settings import Settings

log = logging.getLogger("aisle.app.crash")

RESTART_STATE_FILE = "restarts.json"
RESTARTED_ENV = "AISLE_RESTARTED"  # set in the re-executed process: the reason of the last restart
EXIT_GAVE_UP = 70  # EX_SOFTWARE: too many restarts in the last hour

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


@dataclass(frozen=True)
class RestartPolicy:
    limit_per_hour: int = 5
    base_delay_s: float = 2.0
    max_delay_s: float = 60.0

    def delay(self, recent_restarts: int) -> float:
        return float(min(self.max_delay_s, self.base_delay_s * 2**recent_restarts))


def restart_command() -> list[str]:
    """The command line that starts this same program again."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *sys.argv[1:]]
    return [sys.executable, *sys.orig_argv[1:]]


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment).strftime("%Y%m%d-%H%M%S-%f")[:-3]


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":
        return False  # on Windows an open file cannot be renamed anyway: the caller's rename fails and skips it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class CrashHandler:
    """Writes crash reports to `log_dir` and, when `restart` is on, re-executes the process after a backoff."""

    def __init__(
        self,
        log_dir: Path,
        *,
        restart: bool = False,
        policy: RestartPolicy | None = None,
        command: list[str] | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        execv: Callable[[str, list[str]], Any] | None = None,
        exit_now: Callable[[int], Any] | None = None,
    ) -> None:
        self.log_dir = log_dir
        self.restart = restart
        self.policy = policy or RestartPolicy()
        self.command = command
        self._clock = clock or time.time
        self._sleep = sleep or time.sleep
        self._execv = execv or os.execv
        self._exit = exit_now or os._exit
        self._lock = threading.Lock()
        self._restarting = False
        self._fault_file: IO[str] | None = None
        self._fault_was_enabled = False
        self._previous: tuple[Any, Any] | None = None

    # -- installation ------------------------------------------------------------------------------------------------

    def install(self) -> CrashHandler:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        self._fault_was_enabled = faulthandler.is_enabled()
        try:  # an unwritable data directory must not stop the app: reports then go nowhere, and a warning says so
            self.log_dir.mkdir(parents=True, exist_ok=True)
            self.collect_fatal_reports()
            self._fault_file = open(self.fault_path(os.getpid()), "w", encoding="utf-8")  # noqa: SIM115 (stays open)
            faulthandler.enable(self._fault_file, all_threads=True)
        except OSError as exc:
            log.warning("cannot write crash reports to %s: %s", self.log_dir, exc)
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
        if self._fault_file is not None:
            faulthandler.disable()
            if self._fault_was_enabled and sys.__stderr__ is not None:
                faulthandler.enable(sys.__stderr__, all_threads=True)  # as it was before (e.g. python -X faulthandler)
            path = Path(self._fault_file.name)
            self._fault_file.close()
            self._fault_file = None
            try:
                if path.stat().st_size == 0:
                    path.unlink()
            except OSError:
                pass

    def __enter__(self) -> CrashHandler:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Leaving `with`: an exception escaping the block is a crash (reported, maybe restarted); then uninstall."""
        try:
            if exc_type is not None and exc is not None and issubclass(exc_type, Exception):
                self.write_report((exc_type, exc, tb), where=f"thread {threading.current_thread().name}")
                self.after_crash(f"{exc_type.__name__} in the main thread")
        finally:
            self.uninstall()

    def fault_path(self, pid: int) -> Path:
        return self.log_dir / f"fault-{pid}.log"

    def collect_fatal_reports(self) -> list[Path]:
        """Turn fault files left by processes that are gone into crash reports; remove the empty ones."""
        kept = []
        for path in sorted(self.log_dir.glob("fault-*.log")):
            try:
                pid = int(path.stem.split("-", 1)[1])
            except ValueError:
                continue
            if pid == os.getpid() or _pid_alive(pid):
                continue
            try:
                if path.stat().st_size == 0:
                    path.unlink()
                    continue
                target = self._report_path(path.stat().st_mtime, suffix="-fatal")
                path.replace(target)
                kept.append(target)
            except OSError:
                continue
        return kept

    # -- reports -----------------------------------------------------------------------------------------------------

    def _report_path(self, moment: float, suffix: str = "") -> Path:
        base = f"crash-{_stamp(moment)}{suffix}"
        path = self.log_dir / f"{base}.log"
        n = 1
        while path.exists():
            path = self.log_dir / f"{base}-{n}.log"
            n += 1
        return path

    def write_report(self, exc_info: ExcInfo, where: str) -> Path | None:
        """Write one crash report; never raises (a crash handler that crashes hides the first crash)."""
        try:
            now = self._clock()
            lines = [
                f"Aisle crash report, {datetime.fromtimestamp(now).isoformat(timespec='seconds')}",
                f"where: {where}",
                f"command: {restart_command()}",
                f"pid: {os.getpid()}",
                f"python: {sys.version.split()[0]} ({platform.platform()})",
                f"frozen: {bool(getattr(sys, 'frozen', False))}",
                f"kiosk restart: {'on' if self.restart else 'off'}",
                "",
                "".join(traceback.format_exception(*exc_info)),
            ]
            self.log_dir.mkdir(parents=True, exist_ok=True)
            path = self._report_path(now)
            path.write_text(redact_text("\n".join(lines)), encoding="utf-8")  # no shopper details kept
            log.critical("unhandled %s in %s; report written to %s", exc_info[0].__name__, where, path)
            return path
        except Exception:
            return None

    # -- hooks -------------------------------------------------------------------------------------------------------

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.write_report((exc_type, exc, tb), where=f"thread {threading.current_thread().name}")
        if self._previous is not None:
            self._previous[0](exc_type, exc, tb)
        self.after_crash(f"{exc_type.__name__} in the main thread")

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        self.write_report((args.exc_type, args.exc_value, args.exc_traceback), where=f"thread {name}")
        if self._previous is not None:
            self._previous[1](args)
        self.after_crash(f"{args.exc_type.__name__} in thread {name}")

    # -- restart -----------------------------------------------------------------------------------------------------

    def _state_path(self) -> Path:
        return self.log_dir / RESTART_STATE_FILE

    def recent_restarts(self, now: float) -> list[float]:
        try:
            stamps = json.loads(self._state_path().read_text(encoding="utf-8")).get("restarts", [])
        except (OSError, ValueError, AttributeError):
            return []
        return [float(t) for t in stamps if isinstance(t, int | float) and now - 3600 < float(t) <= now]

    def _record_restart(self, stamps: list[float]) -> None:
        path = self._state_path()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"restarts": stamps}), encoding="utf-8")
        tmp.replace(path)

    def after_crash(self, reason: str) -> None:
        """In kiosk mode: restart after the backoff, or give up when the hourly limit is reached."""
        if not self.restart:
            return
        with self._lock:
            if self._restarting:
                return
            self._restarting = True
        now = self._clock()
        recent = self.recent_restarts(now)
        if len(recent) >= self.policy.limit_per_hour:
            log.critical("%d restarts in the last hour: not restarting again (%s)", len(recent), reason)
            self._flush()
            self._exit(EXIT_GAVE_UP)
            return
        delay = self.policy.delay(len(recent))
        try:
            self._record_restart([*recent, now])
        except OSError as exc:
            log.error("cannot record the restart in %s: %s", self.log_dir, exc)
        log.critical("restarting the kiosk in %.0f s after %s", delay, reason)
        self._flush()
        self._sleep(delay)
        command = self.command or restart_command()
        os.environ[RESTARTED_ENV] = reason
        if getattr(sys, "frozen", False):
            os.environ["PYINSTALLER_RESET_ENVIRONMENT"] = "1"  # the new process sets its bundle up afresh
        self.uninstall()
        try:
            self._execv(command[0], command)
        except OSError as exc:
            log.critical("cannot restart (%s): exiting", exc)
            self._flush()
            self._exit(EXIT_GAVE_UP)

    @staticmethod
    def _flush() -> None:
        for handler in logging.getLogger("aisle").handlers:
            try:
                handler.flush()
            except Exception:
                pass
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except Exception:
                pass


_installed: CrashHandler | None = None


def install_crash_handler(settings: Settings, restart: bool = False, **options: Any) -> CrashHandler:
    """Install the crash handler for this process (replacing a previous one); `restart` is for the kiosk window."""
    global _installed
    if _installed is not None:
        _installed.uninstall()
    _installed = CrashHandler(settings.log_dir, restart=restart, **options).install()
    return _installed
