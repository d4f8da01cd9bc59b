"""A real small filesystem for fault tests: a tmpfs of a few megabytes (needs root; CI runs as root), filled to the
last byte on demand and freed again. Tests that need it skip, with the reason, when they cannot mount."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str = "2m") -> Iterator[Path]:
    """Mount a tmpfs of `size` at `path` (skips the test when that is not possible), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("the disk-full and read-only tests mount a small tmpfs, which needs root (CI runs as root)")
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount(path: Path, mode: str) -> None:
    """`ro` or `rw`: the filesystem at `path` becomes read-only or writable again."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)


def fill(path: Path) -> Path:
    """Write a filler file until the filesystem has no byte left; returns it (delete it to free the space)."""
    filler = path / "filler.bin"
    block = b"\0" * 65536
    with filler.open("wb", buffering=0) as f:
        for chunk in (block, b"\0" * 4096, b"\0" * 512, b"\0"):
            while True:
                try:
                    f.write(chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return filler


def free(filler: Path) -> None:
    filler.unlink()
