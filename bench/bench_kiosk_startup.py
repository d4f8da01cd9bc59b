"""Kiosk start-up: process start → first painted kiosk frame, offscreen (goal ≤ 1.0 s median).

Each run starts a fresh Python process that opens the kiosk exactly as `aisle` does (`run_kiosk`) with a fresh data
directory and the shipped catalog, prints when the first frame has been painted and when the runtime (catalog,
history, brain, featured products) is ready, then quits. Times are measured by this parent process from just before
it spawns the child.

    .venv/bin/python bench/bench_kiosk_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def child(data_dir: str) -> int:
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.paths import shipped_catalog_path
    from app.settings import load_settings
    from ui.kiosk_main import run_kiosk
    from ui.main_window import KioskWindow

    settings = load_settings({"data_dir": data_dir, "catalog": shipped_catalog_path(), "api_port": 0}, environ={})

    def first_frame() -> None:
        print("FIRST_FRAME", flush=True)

        def when_ready() -> None:
            windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWindow)]
            if windows and windows[0].controller.ready and windows[0].featured:
                print("READY", flush=True)
                windows[0]._quit()
            else:
                QTimer.singleShot(5, when_ready)

        QTimer.singleShot(0, when_ready)

    return run_kiosk(settings, on_first_frame=first_frame)


def one_run() -> tuple[float, float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "AISLE_NO_KEYRING": "1"}
    with tempfile.TemporaryDirectory(prefix="aisle-start-") as data_dir:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--child", data_dir], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, text=True, cwd=REPO)
        assert proc.stdout is not None
        first = ready = float("nan")
        for line in proc.stdout:
            now = time.perf_counter() - started
            if line.startswith("FIRST_FRAME"):
                first = now
            elif line.startswith("READY"):
                ready = now
        proc.wait(timeout=60)
        total = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"the kiosk exited with {proc.returncode}")
    return first, ready, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", metavar="DATA_DIR")
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    one_run()  # warm the OS file cache once; not counted
    results = [one_run() for _ in range(args.runs)]
    firsts = [r[0] for r in results]
    readies = [r[1] for r in results]
    exits = [r[2] for r in results]
    print(f"kiosk start-up, offscreen, {args.runs} runs (process start → ...):")
    print(f"  first painted frame : median {statistics.median(firsts) * 1000:.0f} ms, "
          f"min {min(firsts) * 1000:.0f} ms, max {max(firsts) * 1000:.0f} ms   (goal ≤ 1000 ms)")
    print(f"  runtime ready       : median {statistics.median(readies) * 1000:.0f} ms "
          "(catalog, history, offline brain, featured products loaded)")
    print(f"  clean exit          : median {statistics.median(exits) * 1000:.0f} ms")
    print(f"  per run (first frame, ms): {', '.join(f'{f * 1000:.0f}' for f in firsts)}")
    ok = statistics.median(firsts) <= 1.0
    print(f"  result: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
