"""IT sets the staff PIN with `aisle staff set-pin` (the real process): asked twice, stored only as a scrypt hash in
settings.toml beside what was there, weak or mismatched PINs refused in words with nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from app.settings import load_settings
from app.staff_pin import is_pin_hash, verify_pin

REPO = Path(__file__).resolve().parent.parent


def set_pin(data_dir: Path, typed: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AISLE_NO_KEYRING": "1", "PYTHONPATH": str(REPO)}
    env.pop("AISLE_STAFF_PIN_HASH", None)
    command = [sys.executable, "-m", "app.compose.cli", "staff", "set-pin", "--data-dir", str(data_dir), *extra]
    return subprocess.run(command, input=typed, capture_output=True, text=True, timeout=60, cwd=REPO, env=env)


def test_set_pin_stores_only_a_hash_and_keeps_other_settings(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('theme = "dark"\n', encoding="utf-8")
    proc = set_pin(tmp_path, "4826\n4826\n")
    assert proc.returncode == 0, proc.stderr
    assert "Staff PIN set" in proc.stdout and "4826" not in proc.stdout
    text = (tmp_path / "settings.toml").read_text(encoding="utf-8")
    assert "4826" not in text
    saved = tomllib.loads(text)
    assert set(saved) == {"theme", "staff_pin_hash"} and saved["theme"] == "dark"
    stored = load_settings({"data_dir": tmp_path}, environ={}).staff_pin_hash
    assert is_pin_hash(stored) and verify_pin("4826", stored) and not verify_pin("4827", stored)


def test_weak_or_mismatched_pins_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    weak = set_pin(tmp_path, "1234\n1234\n")
    assert weak.returncode == 2 and "too easy" in weak.stderr
    different = set_pin(tmp_path, "4826\n4827\n")
    assert different.returncode == 2 and "different" in different.stderr
    short = set_pin(tmp_path, "12\n12\n")
    assert short.returncode == 2 and "4 to 8 digits" in short.stderr
    assert not (tmp_path / "settings.toml").exists()


def test_print_hash_prints_a_hash_for_a_settings_file(tmp_path: Path) -> None:
    proc = set_pin(tmp_path, "4826\n4826\n", "--print-hash")
    assert proc.returncode == 0, proc.stderr
    assert is_pin_hash(proc.stdout.strip()) and verify_pin("4826", proc.stdout.strip())
    assert not (tmp_path / "settings.toml").exists()
