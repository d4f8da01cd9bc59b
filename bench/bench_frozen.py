"""The frozen build's figures: build time, bundle size and its biggest parts, and cold start of the frozen kiosk.

Cold start is the time from starting `dist/aisle/aisle` to the kiosk's first painted frame, offscreen, each run with a
fresh HOME (so the first-run catalog copy is included) and the isolated environment of the smoke test (PATH, HOME,
QT_QPA_PLATFORM only). The kiosk is started through `aisle --bundle-selftest first-frame`, which runs the same
`run_kiosk` as `aisle` and exits when the window's first frame is painted. Goal: median <= 1.5 s. For comparison the
time to the first line of `aisle chat --json` (the runtime without Qt) is measured too. `--drop-caches` (root only)
empties the kernel's page cache before every start, so the bundle's files are read from disk as after a reboot.

Size goal: <= 350 MB, with the Whisper second pass (faster-whisper, CTranslate2 and the tiny.en weights) inside;
printed for the unpacked bundle and for the installer (the tarball) apart.

    .venv/bin/python bench/bench_frozen.py            # build (PyInstaller cache warm), then measure
    .venv/bin/python bench/bench_frozen.py --clean    # a build from scratch (no PyInstaller cache)
    .venv/bin/python bench/bench_frozen.py --reuse    # measure dist/aisle as it is when it is fresh
    .venv/bin/python bench/bench_frozen.py --runs 11
    sudo .venv/bin/python bench/bench_frozen.py --reuse --drop-caches
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.append(str(REPO / "packaging"))

import build_info  # noqa: E402  (packaging/ is not a package)

AISLE = build_info.BUNDLE / "aisle"
GOAL_S = 1.5
GOAL_BYTES = 350e6
DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def env_for(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}


def build(clean: bool, reuse: bool) -> float | None:
    if reuse and build_info.is_fresh():
        print("build: reusing dist/aisle (fresh: built from the current inputs)")
        return None
    if clean:
        shutil.rmtree(REPO / "build" / "pyinstaller", ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.run(["bash", str(REPO / "packaging" / "build.sh"), "--no-setup"], cwd=REPO,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def drop_page_cache() -> None:
    """Write dirty pages out and drop the page cache, dentries and inodes (needs root)."""
    subprocess.run(["sync"], check=True)
    DROP_CACHES.write_text("3\n")


def time_to_line(args: list[str], marker: str, stdin: str | None = None, timeout: float = 60,
                 drop_caches: bool = False) -> float:
    """Seconds from starting the frozen program to the first stdout line containing `marker` (fresh HOME)."""
    with tempfile.TemporaryDirectory(prefix="aisle-bench-") as home:
        if drop_caches:
            drop_page_cache()
        started = time.perf_counter()
        proc = subprocess.Popen([str(AISLE), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=env_for(Path(home)), cwd=home)
        try:
            if stdin is not None:
                assert proc.stdin is not None
                proc.stdin.write(stdin)
                proc.stdin.flush()
            assert proc.stdout is not None
            deadline = started + timeout
            for line in proc.stdout:
                if marker in line:
                    return time.perf_counter() - started
                if time.perf_counter() > deadline:
                    break
            raise RuntimeError(f"{' '.join(args)}: no {marker!r} line (exit {proc.poll()})")
        finally:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def describe(name: str, samples: list[float]) -> str:
    listed = ", ".join(f"{s:.2f}" for s in samples)
    return (f"{name}: median {statistics.median(samples):.2f} s, min {min(samples):.2f} s, max {max(samples):.2f} s "
            f"over {len(samples)} runs ({listed})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clean", action="store_true", help="build without PyInstaller's cache")
    parser.add_argument("--reuse", action="store_true", help="skip the build when dist/aisle is fresh")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--drop-caches", action="store_true", help="drop the page cache before every start (root)")
    args = parser.parse_args()
    if args.drop_caches and not os.access(DROP_CACHES, os.W_OK):
        sys.exit("--drop-caches needs root (it writes /proc/sys/vm/drop_caches)")

    total = build(args.clean, args.reuse)
    lock = open(REPO / "build" / ".aisle-build.lock", "a")  # noqa: SIM115 (held until exit)
    fcntl.flock(lock, fcntl.LOCK_SH)  # no other build replaces dist/aisle while it is measured
    record = build_info.read_record()
    if not record:
        sys.exit("no dist/aisle-build.json: build first (bash packaging/build.sh)")
    print("== build and size")
    if total is not None:
        print(f"build.sh total: {total:.1f} s ({'from scratch' if args.clean else 'PyInstaller cache warm'})")
    print(build_info.summary(record))
    print(f"goal <= {GOAL_BYTES / 1e6:.0f} MB unpacked: {'met' if record['bundle_bytes'] <= GOAL_BYTES else 'NOT met'}")
    if record.get("tarball_bytes"):
        met = "met" if record["tarball_bytes"] <= GOAL_BYTES else "NOT met"
        print(f"goal <= {GOAL_BYTES / 1e6:.0f} MB installer (tarball): {met}")

    cache = "page cache dropped before each" if args.drop_caches else "page cache warm"
    print(f"== cold start (offscreen, fresh HOME each run, {cache})")
    kiosk = [time_to_line(["--bundle-selftest", "first-frame"], "first-frame", drop_caches=args.drop_caches)
             for _ in range(args.runs)]
    print(describe("kiosk to first frame", kiosk))
    print(f"goal <= {GOAL_S} s median: {'met' if statistics.median(kiosk) <= GOAL_S else 'NOT met'}")
    question = "I need a tent for two under 300 dollars\n"
    chat = [time_to_line(["chat", "--json"], "session_started", stdin=question, drop_caches=args.drop_caches)
            for _ in range(args.runs)]
    print(describe("`aisle chat --json` to its first event", chat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
