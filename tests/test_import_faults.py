"""An import cannot lose the store's catalog: killed (SIGKILL, SIGTERM) at several points of a real import in a real
process, the old catalog is exactly as it was and Aisle starts; a hot journal left by an interrupted write is rolled
back, never separated from its database or deleted."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.catalog.build import dump_rows
from app.catalog.importer import import_catalog
from app.catalog.store import Catalog

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "AISLE_NO_KEYRING": "1", "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}


def _big_export(path: Path, rows: int) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "brand", "category", "price", "stock", "description"])
        for i in range(rows):
            writer.writerow([f"BULK-{i:06d}", f"Bulk Lantern {i}", "Skyfold", "headlamps", f"{10 + i % 90}.99",
                             i % 9, f"A bright lantern number {i} for long nights in the tent."])
    return path


def _start_import(source: Path, catalog: Path, data: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.compose.cli", "catalog", "import", str(source), "--catalog", str(catalog),
         "--data-dir", str(data)],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
    )


def _wait_for_progress(proc: subprocess.Popen[str], fraction: float) -> bool:
    """Read the progress bar until `fraction` of the products are written; False if the import ended first."""
    assert proc.stderr is not None
    seen = ""
    while proc.poll() is None:
        chunk = proc.stderr.read(64)
        if not chunk:
            break
        seen += chunk
        parts = seen.rsplit("] ", 1)
        if len(parts) == 2 and "/" in parts[1]:
            done, _, total = parts[1].partition("/")
            digits = "".join(c for c in total if c.isdigit())
            if done.strip().isdigit() and digits and int(done) >= fraction * int(digits):
                return True
    return False


def _assert_intact(catalog: Path, before: list[str]) -> None:
    assert dump_rows(catalog) == before, "the old catalog is exactly as it was"
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert Catalog(catalog).search("tent"), "and it can be searched"


@pytest.mark.parametrize(("sig", "when"), [
    (signal.SIGKILL, 0.0), (signal.SIGKILL, 0.3), (signal.SIGKILL, 0.9),
    (signal.SIGTERM, 0.5), (signal.SIGKILL, "writing"),
])
def test_an_interrupted_import_leaves_the_old_catalog_exactly_as_it_was(
        catalog_copy: Path, tmp_path: Path, sig: signal.Signals, when: float | str) -> None:
    source = _big_export(tmp_path / "big.csv", 12_000)
    before = dump_rows(catalog_copy)
    proc = _start_import(source, catalog_copy, tmp_path / "data")
    try:
        if when == "writing":  # once the temporary catalog is on disk and being filled
            deadline = time.monotonic() + 60
            while not list(tmp_path.glob(".catalog.db.import-*")) and time.monotonic() < deadline:
                time.sleep(0.005)
        elif isinstance(when, float) and when > 0:
            assert _wait_for_progress(proc, when), "the import ended before it could be interrupted"
        proc.send_signal(sig)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0, "the import was interrupted, not finished"
    _assert_intact(catalog_copy, before)
    # the next import cleans up what the killed one left and succeeds
    small = tmp_path / "small.json"
    small.write_text(json.dumps([{"id": "AFTER-1", "name": "After Lamp", "category": "headlamps", "price": 9}]))
    import_catalog(small, catalog_copy)
    assert Catalog(catalog_copy).get("AFTER-1") is not None
    assert Catalog(catalog_copy).count() == 171
    assert not list(tmp_path.glob(".catalog.db.import-*")), "no temporary file is left behind"


def _hot_journal(catalog: Path) -> None:
    """A writer killed in the middle of a transaction, as an older import could be: a hot journal is left."""
    proc = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({str(catalog)!r}, isolation_level=None)\n"
        "c.execute('pragma cache_size=1')\n"
        "c.execute('begin')\n"
        "c.execute(\"update products set price = 0, name = 'HALF WRITTEN'\")\n"
        "c.execute('delete from products_fts')\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.kill()
    proc.wait()
    journal = catalog.with_name(catalog.name + "-journal")
    assert journal.is_file() and journal.stat().st_size > 0


def test_a_hot_journal_is_rolled_back_and_aisle_starts(catalog_copy: Path, tmp_path: Path) -> None:
    before = dump_rows(catalog_copy)
    _hot_journal(catalog_copy)
    # Aisle starts on it (the conversation in a terminal, as the kiosk opens the catalog) and answers
    chat = subprocess.run(
        [sys.executable, "-m", "app.compose.cli", "chat", "--json", "--catalog", str(catalog_copy), "--data-dir",
         str(tmp_path / "data")], input="show me tents\n", capture_output=True, text=True, timeout=120, cwd=REPO,
        env=ENV)
    assert chat.returncode == 0, chat.stderr
    assert "HALF WRITTEN" not in chat.stdout and "TNT-" in chat.stdout
    assert dump_rows(catalog_copy) == before, "rolled back to exactly the old catalog"
    assert not catalog_copy.with_name(catalog_copy.name + "-journal").exists()


def test_an_import_after_a_hot_journal_keeps_every_old_product(catalog_copy: Path, tmp_path: Path) -> None:
    before = Catalog(catalog_copy).count()
    _hot_journal(catalog_copy)
    small = tmp_path / "small.json"
    small.write_text(json.dumps([{"id": "AFTER-1", "name": "After Lamp", "category": "headlamps", "price": 9}]))
    import_catalog(small, catalog_copy)
    catalog = Catalog(catalog_copy)
    assert catalog.count() == before + 1
    tent = catalog.get("TNT-1001")
    assert tent is not None and tent.name != "HALF WRITTEN" and tent.price > 0


def test_a_hot_journal_in_a_read_only_folder_names_the_right_commands(catalog_copy: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write to a read-only folder")
    _hot_journal(catalog_copy)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(Exception, match=r"write access to .*`aisle catalog import FILE --replace --catalog"):
            Catalog(catalog_copy)
    finally:
        tmp_path.chmod(0o755)


def test_the_advice_commands_work(tmp_path: Path) -> None:
    target = tmp_path / "store.db"
    target.write_bytes(b"garbage, not a catalog " * 200)
    with pytest.raises(Exception, match="aisle catalog build --out") as failed:
        Catalog(target)
    command = str(failed.value).split("`aisle catalog build --out ", 1)[1].split("`", 1)[0]
    built = subprocess.run([sys.executable, "-m", "app.compose.cli", "catalog", "build", "--out", command, "--data-dir",
                            str(tmp_path / "data")], capture_output=True, text=True, timeout=120, cwd=REPO, env=ENV)
    assert built.returncode == 0, built.stderr
    assert Catalog(target).count() == 170
