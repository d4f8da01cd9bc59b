"""The kiosk window on a real X server with no window manager (Xvfb on a free display, the xcb platform): it fills
the screen — the whole screen with `--kiosk`, not a 720×588 window, and a portrait screen is not cut to 1080×1080 —
and the layout checker finds nothing through a short visit. Screenshots go with the layout flow's artefacts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from layout_checker import artefact_dir

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is installed by scripts/setup.sh")


def start_xvfb(size: str) -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a display it picks itself (-displayfd), so parallel runs never clash."""
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start"
    return proc, f":{number}"


@pytest.fixture
def x_server(request: pytest.FixtureRequest) -> Iterator[str]:
    proc, display = start_xvfb(request.param)
    try:
        yield display
    finally:
        proc.terminate()
        proc.wait(10)


def probe(display: str, shots: Path, locked: bool) -> dict:
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "AISLE_NO_KEYRING": "1",
           "PYTHONPATH": str(REPO)}
    env.pop("WAYLAND_DISPLAY", None)
    args = [sys.executable, str(REPO / "tests" / "ui" / "xcb_probe.py"), "--shots", str(shots)]
    proc = subprocess.run(args + (["--locked"] if locked else []), capture_output=True, text=True, timeout=120,
                          cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("x_server", "locked"), [("1080x1920", False), ("1280x800", True)],
                         ids=["portrait-window", "kiosk-laptop"], indirect=["x_server"])
def test_the_window_fills_a_bare_x_screen_and_lays_out(x_server, locked, tmp_path_factory):
    shots = artefact_dir(tmp_path_factory.mktemp("real-x"))
    report = probe(x_server, shots, locked)
    assert "error" not in report, report.get("error")
    assert report["platform"] == "xcb"
    expected = report["screen"] if locked else report["available"]
    assert report["window"] == expected, f"window {report['window']} on screen {report['screen']}"
    assert not report["problems"], "\n".join(report["problems"][:30])
