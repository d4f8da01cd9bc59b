"""A headless kiosk as a real process in fleet mode, driven over HTTP, and what its local history holds.

The catalog poll is a minute, so a version that goes live within the tests' waits came by LISTEN/NOTIFY."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "the condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


class KioskProcess:
    def __init__(self, root: Path, kiosk_id: str, store_id: str, dsn: str, **settings: str) -> None:
        self.kiosk_id = kiosk_id
        self.store_id = store_id
        self.data = root / kiosk_id
        self.env = {k: v for k, v in os.environ.items() if k != "AISLE_API_TOKEN"}
        self.env.update({"AISLE_NO_KEYRING": "1", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO),
                         "AISLE_FLEET_DSN": dsn, "AISLE_STORE_ID": store_id, "AISLE_KIOSK_ID": kiosk_id,
                         "AISLE_FLEET_HEARTBEAT_S": "0.3", "AISLE_FLEET_POLL_S": "60", "AISLE_FLEET_RETRY_MAX_S": "0.5",
                         "AISLE_IDLE_TIMEOUT_S": "0", "AISLE_API_POST_BURST": "100",
                         "AISLE_API_POST_RATE_PER_MIN": "6000", **settings})
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.client: httpx.Client | None = None

    def start(self) -> KioskProcess:
        self.data.mkdir(parents=True, exist_ok=True)
        with open(self.data / "stderr.log", "a") as errors:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "app.compose.cli", "--headless", "--data-dir", str(self.data), "--port", "0",
                 "--no-voice"],
                cwd=REPO, env=self.env, stdout=subprocess.PIPE, stderr=errors, text=True)
        return self

    def wait_ready(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            found = re.search(r"Live web view: (http://\S+)", line)
            if found:
                self.url = found.group(1)
                self.client = httpx.Client(base_url=self.url, timeout=15)
                return
        raise AssertionError(f"kiosk {self.kiosk_id} did not start: {(self.data / 'stderr.log').read_text()}")

    def say(self, text: str) -> dict[str, Any]:
        """Post a shopper message and wait for the reply; returns the session as the API shows it."""
        assert self.client is not None
        posted = self.client.post("api/sessions/current/messages", json={"text": text})
        assert posted.status_code == 202, posted.text
        sid = posted.json()["session_id"]

        def answered() -> dict[str, Any] | None:
            session = self.client.get(f"api/sessions/{sid}").json() if self.client else {}
            turns = session.get("turns_list") or session.get("turns") or []
            if isinstance(turns, list) and turns and turns[-1]["role"] == "assistant" and any(
                    t["role"] == "shopper" and t["text"] == " ".join(text.split()) for t in turns):
                return session
            return None

        return wait_until(answered, 20, f"{self.kiosk_id} to answer {text!r}")  # type: ignore[no-any-return]

    def place_order(self, product: str = "a spirit alcohol stove") -> dict[str, Any]:
        self.say(product)
        self.say("add two")
        self.say("I'm ready to check out")
        session = self.say("yes, go ahead")
        checkout = [c for c in session["tool_calls"] if c["name"] == "checkout"]
        assert checkout and checkout[-1]["result"]["ok"], session["tool_calls"][-1]
        return checkout[-1]["result"]  # type: ignore[no-any-return]

    def health(self) -> dict[str, Any]:
        assert self.client is not None
        return self.client.get("health").json()  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None
        if self.client is not None:
            self.client.close()
            self.client = None

    # -- what the kiosk itself recorded ------------------------------------------------------------------------
    def _history(self, sql: str) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.data / "history.db", timeout=10)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def local_events(self) -> set[tuple[str, int]]:
        return {(r[0], int(r[1])) for r in self._history("select session_id, event_id from events")}

    def local_orders(self) -> set[str]:
        rows = self._history("select result from tool_calls where name = 'checkout' and ok = 1")
        return {json.loads(r[0])["order_number"] for r in rows}

    def outbox_depth(self) -> int:
        return int(self._history("select count(*) from fleet_outbox")[0][0])
