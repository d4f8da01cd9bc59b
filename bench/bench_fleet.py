"""Benchmark: 100 simulated kiosks shipping through the real fleet outbox to one PostgreSQL on this machine.

Each simulated kiosk is the real data path minus the conversation: a `HistoryStore` (its own SQLite file and writer
thread) with the fleet `Outbox` hook writing in the same transaction, and a `Shipper` thread with its own PostgreSQL
connection. The kiosks are spread over worker processes (25 each) so one interpreter's GIL is not the bottleneck.
PostgreSQL (Debian's, via `tests/fleet/pg_server.py`) runs with fsync and synchronous commit ON, in a temp dir.

1. steady: every kiosk writes a conversation's mix of events (~0.4 KB average) at `--rate` per second for
   `--duration` s. Prints events/s offered and delivered, and the end-to-end lag from the kiosk's write (the
   event's timestamp) to the central row (`received_at`, PostgreSQL's clock on the same machine): p50/p99/max.
2. drain: with the shippers stopped (as while PostgreSQL is unreachable) each kiosk's outbox is filled to
   `--backlog / kiosks` events; then all shippers start at once. Prints the time until all of them are central
   rows, and the drain rate.

    .venv/bin/python bench/bench_fleet.py [--kiosks 100] [--rate 10] [--duration 20] [--backlog 100000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PER_WORKER = 25
PRODUCTS = [{"id": f"TNT-10{i:02d}", "name": f"Starlight {i} Dome Tent", "brand": "Redfern", "price": 89.99 + i,
             "stock": 12, "in_stock": True, "category": "tents"} for i in range(5)]
MIX: list[tuple[str, dict[str, Any]]] = [
    ("shopper_message", {"text": "I need a tent for two under 300 dollars", "source": "typed"}),
    ("function_call", {"name": "search_products", "parameters": {"query": "tent", "max_price": 300},
                       "result": {"ok": True, "products": PRODUCTS}, "duration_ms": 3.1}),
    ("text_chunk", {"text": "I found 5 tents for 2 under $300. "}),
    ("text_chunk", {"text": "The first is the Redfern Starlight 2 Dome Tent at $89.99."}),
    ("completion", {"text": "I found 5 tents for 2 under $300. The first is the Redfern Starlight 2 Dome Tent."}),
    ("context", {"cart": {"items": [], "total": 0}, "shown_ids": [p["id"] for p in PRODUCTS], "focus": None}),
]


class SimKiosk:
    def __init__(self, root: Path, kiosk_id: str, dsn: str) -> None:
        from app.fleet.outbox import Outbox
        from app.history import HistoryStore

        self.kiosk_id = kiosk_id
        self.dsn = dsn
        self.history = HistoryStore(root / kiosk_id / "history.db")
        self.outbox = Outbox(self.history.path)
        self.history.write_hooks.append(self.outbox.record)
        self.history.start()
        self.shipper: Any = None
        self.session = 0
        self.event_id = 0
        self.written = 0

    def start_shipping(self) -> None:
        from app.fleet.shipper import Shipper

        self.shipper = Shipper(self.outbox, self.dsn, self.kiosk_id, "store-" + self.kiosk_id.split("-")[0],
                               batch_size=500, heartbeat_s=5.0, retry_max_s=1.0, backlog_warn=10**9)
        self.shipper.start()

    def stop_shipping(self) -> None:
        if self.shipper is not None:
            self.shipper.stop()
            self.shipper = None

    def write(self, count: int) -> None:
        from app.events import Event

        for _ in range(count):
            if self.event_id % 24 == 0:
                self.session += 1
                self.event_id = 0
            self.event_id += 1
            kind, data = MIX[self.event_id % len(MIX)]
            self.history.record(Event.from_wire(f"{self.kiosk_id}-s{self.session}", self.event_id, kind, data,
                                                time.time()))
            self.written += 1

    def depth(self) -> int:
        from app.fleet.outbox import Outbox

        conn = self.outbox.connect()
        try:
            return Outbox.depth(conn)
        finally:
            conn.close()


def worker(index: int, count: int, dsn: str, root: str, rate: float, duration: float, backlog_each: int,
           go_steady: MpEvent, go_drain: MpEvent, results: Any) -> None:
    kiosks = [SimKiosk(Path(root), f"w{index}-{i}", dsn) for i in range(count)]
    results.put(("built", index, 0))
    go_steady.wait()
    for kiosk in kiosks:
        kiosk.start_shipping()
    tick = 0.1
    started = time.monotonic()
    owed = 0.0
    while time.monotonic() - started < duration:
        owed += rate * tick
        whole = int(owed)
        owed -= whole
        for kiosk in kiosks:
            kiosk.write(whole)
        time.sleep(max(0.0, started + tick * (1 + round((time.monotonic() - started) / tick)) - time.monotonic()))
    sent = sum(k.written for k in kiosks)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any(k.depth() for k in kiosks):
        time.sleep(0.2)
    for kiosk in kiosks:
        kiosk.stop_shipping()
    results.put(("steady", index, sent))
    for kiosk in kiosks:
        kiosk.write(backlog_each)
        kiosk.history.flush(120)
    results.put(("filled", index, sum(k.depth() for k in kiosks)))
    go_drain.wait()
    for kiosk in kiosks:
        kiosk.start_shipping()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and any(k.depth() for k in kiosks):
        time.sleep(0.2)
    for kiosk in kiosks:
        kiosk.stop_shipping()
        kiosk.history.close()
    results.put(("drained", index, 0))


def collect(results: Any, phase: str, workers: int) -> int:
    total = 0
    for _ in range(workers):
        got, _index, value = results.get(timeout=900)
        assert got == phase, f"expected {phase}, got {got}"
        total += value
    return total


def report_steady(dsn: str, t0: float, args: argparse.Namespace, sent: int) -> None:
    import psycopg

    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "select count(*), extract(epoch from max(received_at)) - %s, "
            "percentile_cont(array[0.5, 0.99]) within group (order by extract(epoch from received_at - at)), "
            "max(extract(epoch from received_at - at)), "
            "count(*) filter (where received_at <= to_timestamp(%s))"
            " from events", (t0, t0 + args.duration)).fetchone()
    assert row is not None
    count, span, (p50, p99), worst, in_window = row
    print(f"steady: offered {sent / args.duration:,.0f} events/s ({args.rate:g}/s per kiosk for "
          f"{args.duration:g} s); delivered {count:,} of {sent:,} ({in_window / args.duration:,.0f} events/s "
          f"within the window; all in {span:.1f} s)")
    print(f"steady: lag kiosk write -> central row p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {worst * 1000:.0f} ms", flush=True)


def report_drain(dsn: str, go_drain: MpEvent, filled: int, backlog_each: int) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        before = int(conn.execute("select count(*) from events").fetchone()[0])  # type: ignore[index]
        started = time.monotonic()
        go_drain.set()
        now = before
        while now - before < filled and time.monotonic() - started < 600:
            time.sleep(0.25)
            now = int(conn.execute("select count(*) from events").fetchone()[0])  # type: ignore[index]
    took = time.monotonic() - started
    print(f"drain: backlog of {filled:,} events ({backlog_each:,} per kiosk) shipped in {took:.1f} s = "
          f"{(now - before) / took:,.0f} events/s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="events per second per kiosk (steady phase)")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--backlog", type=int, default=100_000)
    args = parser.parse_args()

    import psycopg

    from app.fleet.schema import migrate
    from tests.fleet.pg_server import PostgresServer

    server = PostgresServer(fsync=True, max_connections=args.kiosks + 50).init()
    server.start()
    root = tempfile.mkdtemp(prefix="aisle-bench-fleet-")
    try:
        dsn = server.create_database("fleet")
        with psycopg.connect(dsn) as conn:
            migrate(conn)
            version = conn.info.server_version
        ctx = mp.get_context("spawn")
        go_steady, go_drain, results = ctx.Event(), ctx.Event(), ctx.Queue()
        counts = [PER_WORKER] * (args.kiosks // PER_WORKER) + ([args.kiosks % PER_WORKER] if args.kiosks % PER_WORKER
                                                               else [])
        backlog_each = args.backlog // args.kiosks
        procs = [ctx.Process(target=worker, args=(i, n, dsn, root, args.rate, args.duration, backlog_each, go_steady,
                                                  go_drain, results), daemon=True) for i, n in enumerate(counts)]
        for proc in procs:
            proc.start()
        collect(results, "built", len(procs))
        print(f"{args.kiosks} kiosks in {len(procs)} processes; PostgreSQL {version // 10000}.{version % 10000}, "
              f"fsync on; machine: {mp.cpu_count()} cores shared with other work", flush=True)
        t0 = time.time()
        go_steady.set()
        report_steady(dsn, t0, args, collect(results, "steady", len(procs)))
        report_drain(dsn, go_drain, collect(results, "filled", len(procs)), backlog_each)
        collect(results, "drained", len(procs))
        for proc in procs:
            proc.join(30)
        return 0
    finally:
        server.destroy()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
