"""app.crash: reports for exceptions, thread deaths and fatal errors; the kiosk's restart with backoff and limit."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from app import crash
from app.crash import EXIT_GAVE_UP, RESTARTED_ENV, CrashHandler, RestartPolicy
from app.settings import load_settings

# pytest-qt installs its own sys.excepthook to catch exceptions in Qt slots; these tests call the hooks on purpose
pytestmark = pytest.mark.qt_no_exception_capture

REPO = Path(__file__).resolve().parents[2]
REPORT_NAME = re.compile(r"^crash-\d{8}-\d{6}-\d{3}(-fatal)?(-\d+)?\.log$")


class FakeProcess:
    """Stands in for time, sleep, exec and exit, and records what the handler did with them."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []
        self.execs: list[list[str]] = []
        self.exits: list[int] = []

    def options(self) -> dict[str, Any]:
        return {"clock": lambda: self.now, "sleep": self.slept.append,
                "execv": lambda path, argv: self.execs.append(argv), "exit_now": self.exits.append}


def reports(log_dir: Path) -> list[Path]:
    return sorted(log_dir.glob("crash-*.log"))


def boom() -> None:
    raise ValueError("the cart exploded")


def exc_info() -> tuple[type[BaseException], BaseException, object]:
    try:
        boom()
    except ValueError as exc:
        return type(exc), exc, exc.__traceback__
    raise AssertionError("unreachable")


@pytest.fixture
def handler(tmp_path: Path):
    fake = FakeProcess()
    h = CrashHandler(tmp_path / "logs", restart=False, **fake.options()).install()
    yield h
    h.uninstall()


def test_unhandled_exception_writes_a_report_with_the_traceback(handler: CrashHandler, capsys) -> None:
    sys.excepthook(*exc_info())

    [report] = reports(handler.log_dir)
    assert REPORT_NAME.match(report.name)
    text = report.read_text()
    assert "ValueError: the cart exploded" in text
    assert "in boom" in text
    assert "where: thread MainThread" in text
    assert "kiosk restart: off" in text
    assert "the cart exploded" in capsys.readouterr().err  # the previous hook still prints it


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # pytest's hook sees it too
def test_an_exception_in_a_thread_writes_a_report_naming_the_thread(handler: CrashHandler) -> None:
    worker = threading.Thread(target=boom, name="audio-capture")
    worker.start()
    worker.join()

    [report] = reports(handler.log_dir)
    assert "where: thread audio-capture" in report.read_text()
    assert "ValueError: the cart exploded" in report.read_text()


def test_keyboard_interrupt_is_not_a_crash(handler: CrashHandler, capsys) -> None:
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert reports(handler.log_dir) == []


def test_uninstall_restores_the_hooks_and_removes_an_empty_fault_file(tmp_path: Path) -> None:
    before = (sys.excepthook, threading.excepthook)
    h = CrashHandler(tmp_path / "logs").install()
    assert sys.excepthook != before[0]
    assert h.fault_path(os.getpid()).exists()
    h.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
    assert not h.fault_path(os.getpid()).exists()


def test_a_fatal_error_is_kept_and_becomes_a_crash_report_at_the_next_start(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    script = textwrap.dedent(f"""
        import faulthandler
        from pathlib import Path
        from app.crash import CrashHandler
        CrashHandler(Path({str(log_dir)!r})).install()
        faulthandler._sigsegv()
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGSEGV
    [fault] = log_dir.glob("fault-*.log")
    assert "Fatal Python error: Segmentation fault" in fault.read_text()

    h = CrashHandler(log_dir).install()  # the next start
    try:
        [report] = reports(log_dir)
        assert report.name.endswith("-fatal.log") and REPORT_NAME.match(report.name)
        assert "Segmentation fault" in report.read_text()
        assert [p.name for p in log_dir.glob("fault-*.log")] == [h.fault_path(os.getpid()).name]
    finally:
        h.uninstall()


def test_a_live_process_keeps_its_fault_file(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        theirs = log_dir / f"fault-{sleeper.pid}.log"
        theirs.write_text("")  # another Aisle on the same data directory, still running
        h = CrashHandler(log_dir).install()
        h.uninstall()
        assert theirs.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_kiosk_restart_waits_the_backoff_then_re_executes_itself(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(RESTARTED_ENV, raising=False)
    fake = FakeProcess()
    h = CrashHandler(tmp_path / "logs", restart=True, command=["/opt/aisle/aisle", "--kiosk"],
                     **fake.options()).install()
    try:
        sys.excepthook(*exc_info())
    finally:
        h.uninstall()
    assert fake.slept == [2.0]
    assert fake.execs == [["/opt/aisle/aisle", "--kiosk"]]
    assert fake.exits == []
    assert os.environ[RESTARTED_ENV] == "ValueError in the main thread"
    assert json.loads((tmp_path / "logs" / "restarts.json").read_text()) == {"restarts": [fake.now]}
    assert "kiosk restart: on" in reports(tmp_path / "logs")[0].read_text()


def test_backoff_doubles_per_restart_in_the_last_hour_and_stops_at_the_limit(tmp_path: Path) -> None:
    fake = FakeProcess()
    policy = RestartPolicy(limit_per_hour=5, base_delay_s=2.0, max_delay_s=60.0)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    (log_dir / "restarts.json").write_text(json.dumps({"restarts": [fake.now - 7200, fake.now - 3601]}))
    for _ in range(6):  # each "process" crashes once; the state file carries the history across re-execs
        h = CrashHandler(log_dir, restart=True, policy=policy, command=["aisle"], **fake.options())
        h.after_crash("test")
        fake.now += 60
    assert fake.slept == [2.0, 4.0, 8.0, 16.0, 32.0]  # restarts older than an hour do not count
    assert len(fake.execs) == 5
    assert fake.exits == [EXIT_GAVE_UP]

    fake.now += 3600  # an hour later the kiosk may restart again
    CrashHandler(log_dir, restart=True, policy=policy, command=["aisle"], **fake.options()).after_crash("later")
    assert fake.slept[-1] == 2.0


def test_no_restart_outside_kiosk_mode(handler: CrashHandler) -> None:
    handler.after_crash("test")
    assert not (handler.log_dir / "restarts.json").exists()


def test_an_exception_escaping_the_with_block_is_a_crash(tmp_path: Path) -> None:
    fake = FakeProcess()
    handler = CrashHandler(tmp_path / "logs", restart=True, command=["aisle"], **fake.options())
    with pytest.raises(ValueError), handler.install():
        boom()
    assert len(reports(tmp_path / "logs")) == 1
    assert fake.execs == [["aisle"]]


def test_the_real_re_exec_comes_back_once(tmp_path: Path) -> None:
    """End to end with os.execv: the first run crashes, the restarted process sees why and exits cleanly."""
    log_dir = tmp_path / "logs"
    script = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from app.crash import RESTARTED_ENV, CrashHandler, RestartPolicy
        if os.environ.get(RESTARTED_ENV):
            print("restarted after:", os.environ[RESTARTED_ENV], flush=True)
            sys.exit(0)
        CrashHandler(Path({str(log_dir)!r}), restart=True, policy=RestartPolicy(base_delay_s=0.05)).install()
        print("first run", flush=True)
        raise RuntimeError("kiosk fell over")
    """)
    env = {k: v for k, v in os.environ.items() if k != RESTARTED_ENV}
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["first run", "restarted after: RuntimeError in the main thread"]
    [report] = reports(log_dir)
    assert "RuntimeError: kiosk fell over" in report.read_text()


def test_aisle_main_reports_a_crash_and_only_the_kiosk_restarts(tmp_path: Path, monkeypatch) -> None:
    import app.compose.cli

    execs: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, argv: execs.append(argv))
    monkeypatch.setattr(crash.time, "sleep", lambda s: None)
    monkeypatch.setattr(app.compose.cli, "run_command", lambda args, settings: boom())

    with pytest.raises(ValueError):
        app.compose.cli.main(["chat", "--data-dir", str(tmp_path)])
    assert len(reports(tmp_path / "logs")) == 1
    assert execs == []

    with pytest.raises(ValueError):
        app.compose.cli.main(["--data-dir", str(tmp_path), "--kiosk"])
    assert len(reports(tmp_path / "logs")) == 2
    assert len(execs) == 1
    assert not isinstance(getattr(sys.excepthook, "__self__", None), CrashHandler)  # uninstalled after main


def test_install_crash_handler_replaces_the_previous_one(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path}, environ={})
    first = crash.install_crash_handler(settings)
    second = crash.install_crash_handler(settings)
    try:
        assert sys.excepthook.__self__ is second  # type: ignore[attr-defined]
        assert first._previous is None
    finally:
        second.uninstall()


def test_an_unwritable_data_directory_does_not_stop_the_app(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    h = CrashHandler(blocker / "logs").install()
    try:
        assert sys.excepthook.__self__ is h  # type: ignore[attr-defined]  (installed all the same)
        assert h.write_report(exc_info(), where="test") is None  # and a report that cannot be written is no crash
    finally:
        h.uninstall()
