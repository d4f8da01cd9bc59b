"""Benchmark: 500 concurrent SSE clients on loopback against the embedded endpoint.

The app side (this process) builds the real runtime, starts `ApiServer` on its own thread exactly as the kiosk does,
and runs the app loop: it publishes `text_chunk` events into the current session at a steady rate (a reply
streaming, with history recording every event) and probes its own loop lag every 5 ms. The clients run in
`--client-procs` separate processes (`bench/sse_reader.py`, one lean epoll loop each, so their CPU does not count
against the server), each client on its own TCP connection to `/api/stream/current`.

Prints, per event and client: publish -> receive (taken right after the client's `recv`; the goal, p99 <= 50 ms) and
publish -> reader woke (right after `epoll` returned: the data was in the client's kernel by then, so the difference
is the reader's own serial reading); inside the server, publish -> fan-out start (hand-over to the server loop) and
the fan-out's duration; server RSS, app-loop lag (goal p99 <= 16 ms), server and client CPU, the load average before
and after (figures under load say so), GC pauses while streaming and whether Nagle is off. Bounded: it stops itself.

    .venv/bin/python bench/bench_sse.py [--clients 500] [--rate 50] [--duration 10] [--client-procs 1] [--nodelay]

Join storm (`--join-storm`): a session of `--events` (5,000) events, far longer than the in-memory ring, then
`--joiners` (300) clients open `/api/stream/current` at once and read the whole session. Prints the time until every
joiner has every event, the server's peak RSS meanwhile (sampled every 20 ms), the slowest `/health` answered during
the storm, and how many history pages were read (shared by all joiners).

    .venv/bin/python bench/bench_sse.py --join-storm [--joiners 300] [--events 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

END_MARK = "bench-end"
TIMESTAMP = re.compile(rb'"timestamp":([0-9.e+-]+)')


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- the join-storm client process ------------------------------------------------------------------------------

async def join_storm_clients(url: str, joiners: int, events: int) -> dict[str, Any]:
    """`joiners` raw connections at once, each reading until it has `events` events; seconds until each has."""
    raise_fd_limit()
    host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)

    async def one() -> float:
        t0 = time.perf_counter()
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET /api/stream/current HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        seen = 0
        tail = b""
        try:
            while seen < events:
                data = await reader.read(262144)
                if not data:
                    raise RuntimeError(f"stream ended after {seen} events")
                seen += (tail + data).count(b"\ndata: ")
                tail = data[-8:]
            return time.perf_counter() - t0
        finally:
            writer.close()

    started = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(joiners)), return_exceptions=True)
    times = [r for r in results if isinstance(r, float)]
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    return {"all_s": time.perf_counter() - started, "p50_s": percentile(times, 50), "max_s": max(times or [0.0]),
            "served": len(times), "errors": errors[:3]}


def print_join_storm(args: argparse.Namespace, ring: int, load_before: float, result: dict[str, Any],
                     rss: tuple[float, float, float], health_ms: list[float], reads: int) -> None:
    print(f"Join storm: {args.joiners} clients open /api/stream/current at once on a session of {args.events} events "
          f"(ring {ring}); {os.cpu_count()} CPUs, load average {load_before:.2f} before the run")
    print(f"  served:        {result['served']} of {args.joiners} clients got every event; "
          f"{len(result['errors'])} errors {result['errors']}")
    print(f"  time to serve: all in {result['all_s']:.2f} s (per client p50 {result['p50_s']:.2f} s, "
          f"max {result['max_s']:.2f} s)")
    print(f"  server RSS:    {rss[0]:.0f} MB before, peak {rss[1]:.0f} MB during, {rss[2]:.0f} MB after")
    print(f"  /health:       slowest {max(health_ms or [float('nan')]):.0f} ms over {len(health_ms)} probes "
          "during the storm")
    print(f"  history pages read: {reads} (shared by all joiners)")


async def run_join_storm(args: argparse.Namespace) -> int:
    raise_fd_limit()
    import threading

    import httpx

    from app.compose.runtime import build_runtime
    from app.events import ReplyChunkStreamed
    from app.server import ApiServer
    from app.settings import load_settings

    load_before = os.getloadavg()[0]
    data_dir = Path(tempfile.mkdtemp(prefix="aisle-bench-"))
    settings = load_settings({"data_dir": data_dir, "api_port": 0, "sse_max_clients": args.joiners + 100},
                             environ={"AISLE_NO_KEYRING": "1"})
    runtime = build_runtime(settings)
    server = ApiServer(runtime, settings, asyncio.get_running_loop())
    server.start()
    assert server.url is not None and server.hub is not None
    session = await runtime.conversation.start_session()
    chunk = "Here is a streamed piece of the assistant's reply, about this long. "
    while session.bus.publish(session.id, ReplyChunkStreamed(chunk)).id < args.events:
        pass
    await asyncio.to_thread(runtime.history.flush, 30)
    gc.collect()
    rss_before = rss_mb()
    peak = [rss_before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    health_ms: list[float] = []

    async def probe_health() -> None:
        async with httpx.AsyncClient(base_url=server.url or "", timeout=60) as client:
            while not stop.is_set():
                t0 = time.perf_counter()
                await client.get("health")
                health_ms.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0.1)

    prober = asyncio.create_task(probe_health())
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--join-client", server.url, "--joiners", str(args.joiners),
            "--events", str(args.events), stdout=asyncio.subprocess.PIPE, cwd=str(REPO))
        out, _ = await asyncio.wait_for(proc.communicate(), 300)
        result = json.loads(out.decode().strip().splitlines()[-1])
        rss_after = rss_mb()
    finally:
        stop.set()
        await asyncio.gather(prober, return_exceptions=True)
        reads = server.hub.backlog.reads
        await server.aclose()
        await runtime.close()
    print_join_storm(args, settings.sse_ring_size, load_before, result, (rss_before, peak[0], rss_after),
                     health_ms, reads)
    return 0 if result["served"] == args.joiners else 1


# -- the app process ------------------------------------------------------------------------------------------------

async def probe_lag(samples: list[float], interval: float, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(interval)
        samples.append(max(0.0, loop.time() - before - interval))


async def run_app(args: argparse.Namespace) -> int:
    raise_fd_limit()
    from app.compose.runtime import build_runtime
    from app.events import NoticePosted, ReplyChunkStreamed
    from app.server import ApiServer
    from app.settings import load_settings

    load_before = os.getloadavg()[0]
    data_dir = Path(tempfile.mkdtemp(prefix="aisle-bench-"))
    settings = load_settings({"data_dir": data_dir, "api_port": 0, "sse_max_clients": args.clients + 100},
                             environ={"AISLE_NO_KEYRING": "1"})
    runtime = build_runtime(settings)
    rss_before = rss_mb()
    loop = asyncio.get_running_loop()
    server = ApiServer(runtime, settings, loop)
    server.start()
    assert server.url is not None and server.hub is not None
    session = await runtime.conversation.start_session()

    fanout = instrument_fan_out(server.hub)
    shares = [args.clients // args.client_procs + (i < args.clients % args.client_procs)
              for i in range(args.client_procs)]
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bench" / "sse_reader.py"), server.url, str(share),
        stdout=asyncio.subprocess.PIPE, cwd=str(REPO)) for share in shares]
    try:
        readies = [json.loads(await asyncio.wait_for(p.stdout.readline(), 90)) for p in procs if p.stdout]
        await asyncio.sleep(0.5)
        rss_connected = rss_mb()
        hub_clients = server.hub.client_count

        lag: list[float] = []
        stop = asyncio.Event()
        prober = asyncio.create_task(probe_lag(lag, 0.005, stop))
        fanout.clear()
        pauses, gc_watch = watch_gc()
        nodelay = all_nodelay(server.hub, args.nodelay)
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        period = 1.0 / args.rate
        published = 0
        chunk = "Here is a streamed piece of the assistant's reply, about this long. "
        while time.perf_counter() - t0 < args.duration:
            session.publish(ReplyChunkStreamed(chunk, item_id=f"seq-{published}"))
            published += 1
            next_at = t0 + published * period
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        elapsed = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        rss_during = rss_mb()
        gc.callbacks.remove(gc_watch)
        stop.set()
        await prober
        session.publish(NoticePosted("bench_end", text=END_MARK))
        outs = [await asyncio.wait_for(p.communicate(), 60) for p in procs]
        results = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outs]
    finally:
        for p in procs:
            if p.returncode is None:
                p.kill()
                await p.wait()
        await server.aclose()
        await runtime.close()
    print_run(args, published, elapsed, load_before, readies, hub_clients, results, fanout,
              lag, ((cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)) / elapsed,
              (rss_before, rss_connected, rss_during))
    print("  server GC pauses:    " + ", ".join(
        f"gen{g}: {len(p)} (max {max(p or [0.0]) * 1000:.1f} ms)" for g, p in sorted(pauses.items()))
        + f"; TCP_NODELAY on every client socket: {nodelay}")
    delivered = sum(len(r["recv_ms"]) for r in results)
    return 0 if delivered == published * args.clients else 1


def instrument_fan_out(hub: Any) -> list[tuple[float, float]]:
    """Wraps the hub's dispatch to record, per event, (publish -> fan-out start, fan-out duration) in seconds: the
    server's share of the latency, measured inside the server."""
    timings: list[tuple[float, float]] = []
    dispatch = hub.dispatch

    def timed(events: Any) -> None:  # a list of events (older servers: one event)
        start = time.time()
        dispatch(events)
        took = time.time() - start
        timings.extend((start - event.timestamp, took) for event in (events if isinstance(events, list) else [events]))

    hub.dispatch = timed
    return timings


def watch_gc() -> tuple[dict[int, list[float]], Any]:
    """Seconds of every garbage collection from now on (all threads stop meanwhile), per generation."""
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    began = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - began[0])

    gc.callbacks.append(callback)
    return pauses, callback


def all_nodelay(hub: Any, turn_on: bool) -> str:
    """Whether Nagle is off on the server's live sockets; with `turn_on` (--nodelay) it is turned off first. The
    server leaves Nagle on: under load it made the fan-out ~3x cheaper here (fewer segments, fewer wake-ups of the
    reader), but an event may then wait for the ACK of the one before; --nodelay measures the other side."""
    import socket

    clients = [c for c in hub._current_clients if c.transport is not None]
    if turn_on:
        for client in clients:
            client.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    flags = [c.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
             for c in clients]
    return f"{'yes' if flags and all(flags) else 'NO'} ({len(flags)} live)"


def spread(values: list[float]) -> str:
    return (f"p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
            f"p99 {percentile(values, 99):.1f} ms, max {max(values or [float('nan')]):.1f} ms")


def print_run(args: argparse.Namespace, published: int, elapsed: float, load_before: float,
              readies: list[dict[str, Any]], hub_clients: int, results: list[dict[str, Any]],
              fanout: list[tuple[float, float]], lag: list[float], server_cpu: float,
              rss: tuple[float, float, float]) -> None:
    recv_ms = [x for r in results for x in r["recv_ms"]]
    wake_ms = [x for r in results for x in r["wake_ms"]]
    lag_ms = [x * 1000 for x in lag]
    expected = published * args.clients
    p99 = percentile(recv_ms, 99)
    print(f"SSE benchmark: {args.clients} clients on loopback, {published} events published at {args.rate:g}/s "
          f"for {elapsed:.1f} s (clients in {args.client_procs} separate epoll reader process(es); "
          f"{os.cpu_count()} CPUs, load average {load_before:.2f} before the run)")
    print(f"  connected:           {sum(r['ready'] for r in readies)} clients in "
          f"{max(r['connect_s'] for r in readies)} s (hub counted {hub_clients})")
    print(f"  delivered:           {len(recv_ms)} of {expected} events "
          f"({min(r['per_client_min'] for r in results)}..{max(r['per_client_max'] for r in results)} per client, "
          f"{sum(r['silent_clients'] for r in results)} clients got nothing)")
    print(f"  publish->receive:    {spread(recv_ms)} (goal p99 <= 50 ms: {'met' if p99 <= 50 else 'NOT met'})")
    print(f"  publish->reader woke: {spread(wake_ms)} (data in the client's kernel by then; recv adds the reader's "
          "own serial reading)")
    print(f"  server side:         publish->fan-out start {spread([a * 1000 for a, _ in fanout])}")
    print(f"                       fan-out to all clients {spread([b * 1000 for _, b in fanout])}")
    print(f"  server RSS:          {rss[0]:.0f} MB before clients, {rss[1]:.0f} MB with "
          f"{args.clients} connected, {rss[2]:.0f} MB while streaming (+{rss[1] - rss[0]:.1f} MB for the clients)")
    print(f"  app loop lag:        p50 {percentile(lag_ms, 50):.2f} ms, p99 {percentile(lag_ms, 99):.2f} ms, "
          f"max {max(lag_ms):.2f} ms over {len(lag_ms)} probes "
          f"(goal p99 <= 16 ms: {'met' if percentile(lag_ms, 99) <= 16 else 'NOT met'})")
    print(f"  CPU while streaming: server process {server_cpu * 100:.0f}% of one core, client process(es) "
          + ", ".join(f"{r['cpu'] * 100:.0f}%" for r in results) + f"; load average {os.getloadavg()[0]:.2f} after")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0, help="events published per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of publishing")
    parser.add_argument("--client-procs", type=int, default=1, help="reader processes the clients are split over")
    parser.add_argument("--nodelay", action="store_true", help="turn Nagle off on the server's stream sockets")
    parser.add_argument("--join-storm", action="store_true", help="measure a join storm instead")
    parser.add_argument("--joiners", type=int, default=300)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--join-client", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.join_client:
        print(json.dumps(asyncio.run(join_storm_clients(args.join_client, args.joiners, args.events))), flush=True)
        return 0
    if args.join_storm:
        return asyncio.run(run_join_storm(args))
    return asyncio.run(run_app(args))


if __name__ == "__main__":
    sys.exit(main())
