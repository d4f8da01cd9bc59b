"""What a bundle was built from and what it weighs: the freshness rule shared by build.sh, the smoke test, the bench.

    python packaging/build_info.py digest          the digest of everything a build depends on
    python packaging/build_info.py check           exit 0 when dist/aisle was built from exactly the current inputs
    python packaging/build_info.py write ...       record a finished build in dist/aisle-build.json and print it

The rule: a bundle is fresh when the digest recorded at its build equals the digest of the inputs now. The digest
covers the content (not the dates) of every file under app/, agent/, audio/, ui/, resources/ and packaging/ (tracked
or not: the build takes the work tree as it is), catalog.db and pyproject.toml, plus the Python version and the name
and version of every installed distribution. Dates are not trusted: a checkout, a copy or a clock can make an old
file look new or a new one look old. tests/ is not an input: changing a test does not make the bundle stale.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "aisle"
RECORD = DIST / "aisle-build.json"
INPUT_DIRS = ("app", "agent", "audio", "ui", "resources", "packaging")
INPUT_FILES = ("catalog.db", "pyproject.toml")
SKIP_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def input_files(root: Path = ROOT) -> list[Path]:
    files = [root / name for name in INPUT_FILES if (root / name).is_file()]
    for directory in INPUT_DIRS:
        for path in (root / directory).rglob("*"):
            if path.is_file() and not SKIP_PARTS.intersection(path.parts) and path.suffix != ".pyc":
                files.append(path)
    return sorted(files)


def environment() -> list[str]:
    dists = {f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions() if d.metadata["Name"]}
    return [f"python=={platform.python_version()}", f"platform=={sys.platform}-{platform.machine()}", *sorted(dists)]


def inputs_digest(root: Path = ROOT) -> str:
    h = hashlib.sha256()
    for path in input_files(root):
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    for line in environment():
        h.update(line.encode() + b"\n")
    return h.hexdigest()


def read_record(record: Path = RECORD) -> dict[str, Any] | None:
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_fresh(bundle: Path = BUNDLE, record: Path = RECORD, root: Path = ROOT) -> bool:
    data = read_record(record)
    executable = bundle / ("aisle.exe" if sys.platform == "win32" else "aisle")
    if not data or not executable.is_file() or data.get("inputs_digest") != inputs_digest(root):
        return False
    return not data.get("tarball") or (root / str(data["tarball"])).is_file()


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def biggest_parts(bundle: Path = BUNDLE, count: int = 10) -> list[tuple[str, int]]:
    """The biggest parts of the bundle: each package or library of _internal, the executable, and the big files
    inside the largest packages (so "PySide6" shows as its ICU data, its Qt libraries and its bindings)."""
    internal = bundle / "_internal"
    parts: dict[str, int] = {}
    for entry in [*internal.iterdir(), *(p for p in bundle.iterdir() if p.name != "_internal")]:
        if entry.is_symlink():  # PyInstaller links top-level libraries to their copy inside a package
            continue
        size = tree_size(entry) if entry.is_dir() else entry.stat().st_size
        parts[str(entry.relative_to(bundle))] = size
    # split a package that is bigger than the tenth part into its files of 2 MB or more plus the rest
    for name, size in sorted(parts.items(), key=lambda kv: -kv[1])[:3]:
        directory = bundle / name
        if not directory.is_dir():
            continue
        big = {str(p.relative_to(bundle)): p.stat().st_size for p in directory.rglob("*")
               if p.is_file() and not p.is_symlink() and p.stat().st_size >= 2_000_000}
        if big:
            del parts[name]
            parts.update(big)
            rest = size - sum(big.values())
            if rest > 0:
                parts[f"{name} (other files)"] = rest
    return sorted(parts.items(), key=lambda kv: -kv[1])[:count]


def git_commit(root: Path = ROOT) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             check=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True,
                               timeout=10).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def write_record(digest: str, pyinstaller_s: float, tarball_s: float | None, tarball: Path | None) -> dict[str, Any]:
    size = tree_size(BUNDLE)
    data: dict[str, Any] = {
        "inputs_digest": digest,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": git_commit(),
        "pyinstaller_seconds": round(pyinstaller_s, 1),
        "tarball_seconds": None if tarball_s is None else round(tarball_s, 1),
        "bundle_bytes": size,
        "bundle_files": sum(1 for p in BUNDLE.rglob("*") if p.is_file()),
        "biggest_parts": biggest_parts(),
        "tarball": None if tarball is None else str(tarball.relative_to(ROOT)),
        "tarball_bytes": None if tarball is None else tarball.stat().st_size,
    }
    RECORD.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data


def summary(data: dict[str, Any]) -> str:
    lines = [
        f"bundle:     {BUNDLE.relative_to(ROOT)}/ {mb(data['bundle_bytes'])} "
        f"({data['bundle_bytes'] / 2**20:.0f} MiB, {data['bundle_files']} files)",
        f"build time: {data['pyinstaller_seconds']} s (PyInstaller)"
        + (f" + {data['tarball_seconds']} s (tarball)" if data.get("tarball_seconds") is not None else ""),
    ]
    if data.get("tarball"):
        lines.append(f"tarball:    {data['tarball']} {mb(data['tarball_bytes'])}")
    lines.append("biggest parts:")
    for name, size in data["biggest_parts"]:
        lines.append(f"  {mb(size):>9}  {name}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("digest")
    sub.add_parser("check")
    write = sub.add_parser("write")
    write.add_argument("--digest", required=True)
    write.add_argument("--pyinstaller-seconds", type=float, required=True)
    write.add_argument("--tarball-seconds", type=float)
    write.add_argument("--tarball", type=Path)
    args = parser.parse_args(argv)
    if args.command == "digest":
        print(inputs_digest())
        return 0
    if args.command == "check":
        return 0 if is_fresh() else 1
    tarball = args.tarball.resolve() if args.tarball else None
    print(summary(write_record(args.digest, args.pyinstaller_seconds, args.tarball_seconds, tarball)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
