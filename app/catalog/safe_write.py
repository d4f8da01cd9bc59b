"""Writing a catalog so that nothing can be lost: build beside, check, swap in atomically.

A new catalog is written to a temporary file in the target's folder, checked (SQLite integrity, the FTS5 indexes,
the product count), flushed to disk, and only then put in place with one `os.replace` (the folder is flushed too).
An import killed at any point leaves the previous catalog exactly as it was, plus a temporary file the next import
removes. A database is never moved or deleted apart from its rollback journal or WAL: a hot journal left by an older
version's interrupted write is rolled back by SQLite itself (`recover`) before anything else happens.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from app.catalog.source_file import ImportFailed

log = logging.getLogger("aisle.app.catalog")

SIDE_FILES = ("-journal", "-wal", "-shm")
TEMP_MARK = ".import-"


class CatalogLocked(ImportFailed):
    """Another import is writing this catalog right now."""


def side_files(path: Path) -> list[Path]:
    """The journal/WAL files that belong to a database and must travel with it."""
    return [path.with_name(path.name + suffix) for suffix in SIDE_FILES]


def has_hot_journal(path: Path) -> bool:
    journal, wal, _ = side_files(path)
    return (journal.is_file() and journal.stat().st_size > 0) or (wal.is_file() and wal.stat().st_size > 0)


def recover(path: Path) -> None:
    """Let SQLite roll back a hot journal (or check a WAL into the file) left by an interrupted write.

    Opening read-write is what SQLite needs to do it; afterwards the database is exactly as before the interrupted
    transaction and no side file is left. Raises `sqlite3.Error`/`OSError` when it cannot (a read-only folder).
    """
    if not has_hot_journal(path):
        return
    log.warning("rolling back an interrupted write to %s", path)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=10)
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()  # the rollback happens here
        mode = conn.execute("pragma journal_mode").fetchone()[0]
        if str(mode).lower() == "wal":
            conn.execute("pragma wal_checkpoint(truncate)")
            conn.execute("pragma journal_mode=delete")
    finally:
        conn.close()


@contextlib.contextmanager
def import_lock(target: Path) -> Iterator[None]:
    """One import at a time per catalog (across processes); the lock goes with the process if it is killed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.with_name(target.name + ".import-lock")
    handle = open(lock_path, "a+b")  # noqa: SIM115 - held for the duration of the import
    try:
        if sys.platform == "win32":
            import msvcrt

            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError as exc:
                raise CatalogLocked(f"Another import into {target.name} is running; try again when it ends.") from exc
        else:
            import fcntl

            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                raise CatalogLocked(f"Another import into {target.name} is running; try again when it ends.") from exc
        yield
    finally:
        handle.close()


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{int(time.time() * 1000)}.tmp")


def remove_stale_temps(target: Path) -> None:
    """Temporary catalogs of imports that were killed (only ours: `.NAME.import-*.tmp` and their side files)."""
    for stale in target.parent.glob(f".{target.name}{TEMP_MARK}*.tmp*"):
        with contextlib.suppress(OSError):
            stale.unlink()


def copy_database(source: Path, dest: Path) -> None:
    """A consistent copy of a catalog through SQLite's backup API (the source is only read)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(dest))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def verify(path: Path, expected_products: int, fts_tables: tuple[str, ...]) -> None:
    """Integrity, every FTS5 index (rebuilt once if it disagrees), and the product count; ImportFailed if not."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        result = conn.execute("pragma integrity_check").fetchone()[0]
        if result != "ok":
            raise ImportFailed(f"The new catalog failed SQLite's integrity check ({result}); nothing was changed.")
        for table in fts_tables:
            try:
                conn.execute(f"insert into {table}({table}) values('integrity-check')")
            except sqlite3.DatabaseError:
                log.warning("the %s index disagreed with its table; rebuilding it", table)
                conn.execute(f"insert into {table}({table}) values('rebuild')")
                conn.execute(f"insert into {table}({table}) values('integrity-check')")
        products = conn.execute("select count(*) from products").fetchone()[0]
        indexed = conn.execute("select count(*) from products_fts").fetchone()[0]
        if products != expected_products or indexed != products:
            raise ImportFailed(
                f"The new catalog has {products} products ({indexed} indexed) where {expected_products} were "
                "expected; nothing was changed."
            )
    except sqlite3.DatabaseError as exc:
        raise ImportFailed(f"The new catalog could not be checked ({exc}); nothing was changed.") from exc
    finally:
        conn.close()


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def keep_aside(target: Path) -> Path:
    """Keep a copy of an unreadable catalog, together with its side files, before it is replaced."""
    kept = target.with_name(f"{target.name}.damaged-{int(time.time())}")
    for source, dest in zip([target, *side_files(target)], [kept, *side_files(kept)], strict=True):
        if source.is_file():
            try:
                os.link(source, dest)
            except OSError:
                dest.write_bytes(source.read_bytes())
    _fsync_dir(target.parent)
    return kept


def swap_in(temp: Path, target: Path) -> None:
    """Put a checked temporary catalog in place of `target` in one atomic step."""
    for side in side_files(temp):
        if side.exists():
            raise ImportFailed(f"The new catalog still has a {side.name} file; nothing was changed.")
    if target.is_file():
        recover(target)
    for side in side_files(target):
        if side.is_file() and side.stat().st_size > 0:
            raise ImportFailed(f"{target.name} has an unfinished write ({side.name}); nothing was changed.")
        side.unlink(missing_ok=True)  # an empty leftover, which SQLite ignores
    _fsync_file(temp)
    os.replace(temp, target)
    _fsync_dir(target.parent)
