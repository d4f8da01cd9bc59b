"""A real PostgreSQL server for tests and benchmarks: initdb + pg_ctl in a temporary directory on a free port.

Debian's `postgresql` package provides the binaries. initdb refuses to run as root, so as root the cluster belongs
to the `postgres` system user (commands run through `runuser`). Password authentication is on (scram-sha-256), so
the DSN carries a password the way a real one does. `stop()` and `start()` can be called mid-test to take the
server away and bring it back on the same port.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

USER = "aisle"


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    located = shutil.which("pg_ctl")
    if located:
        return Path(located).parent
    raise RuntimeError("PostgreSQL is not installed: run scripts/setup.sh (Debian package `postgresql`).")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    def __init__(self, fsync: bool = False, max_connections: int = 200) -> None:
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="aisle-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.password = secrets.token_urlsafe(12)
        self.fsync = fsync
        self.max_connections = max_connections
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def init(self) -> PostgresServer:
        self.sock.mkdir()
        self.data.mkdir(mode=0o700)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as_postgres:
            self.root.chmod(0o755)
            for path in (self.sock, self.data, pwfile):
                shutil.chown(path, "postgres", "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=scram-sha-256", f"--pwfile={pwfile}",
                  "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")
        pwfile.unlink()
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.sock} -h 127.0.0.1 -c max_connections={self.max_connections} "
                   f"-c fsync={'on' if self.fsync else 'off'} -c synchronous_commit={'on' if self.fsync else 'off'}")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").is_file()

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        return self.dsn(name)

    def destroy(self) -> None:
        if self.running():
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.SubprocessError):
                pass
        shutil.rmtree(self.root, ignore_errors=True)
