"""Benchmark: 500 concurrent SSE clients on loopback against the embedded endpoint.

The app side (this process) builds the real runtime, starts `ApiServer` on its own thread exactly as the kiosk does,
and runs the app loop: it publishes `text_chunk` events into the current session at a steady rate (a reply
streaming, with history recording every event) and probes its own loop lag every 5 ms. The clients run in a
separate process (so their CPU does not count against the server), each on its own TCP connection to
`/api/stream/current`; they time every event from its publish timestamp to its arrival.

Prints: events delivered per second, publish-to-receive latency p50/p99/max (goal p99 <= 50 ms), server RSS with the
clients connected, and the app loop's lag p50/p99/max meanwhile (goal p99 <= 16 ms). Bounded: it stops by itself.

    .venv/bin/python bench/bench_sse.py [--clients 500] [--rate 50] [--duration 10]

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
import statistics
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


# -- the client process ---------------------------------------------------------------------------------------------

async def one_client(host: str, port: int, ready: asyncio.Event, counts: list[int], latencies: list[float],
                     arrivals: list[float], connected: list[int], done: asyncio.Semaphore) -> None:
    """One SSE client on a raw connection (HTTP/1.0, so the body is plain SSE until the server closes)."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /api/stream/current HTTP/1.0\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"stream refused: {status!r}")
    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
        pass
    connected[0] += 1
    if connected[0] == len(counts):
        ready.set()
    index = connected[0] - 1
    end = END_MARK.encode()
    buffer = b""
    try:
        while True:  # whole reads, not a readline per line: the instrument must stay cheap next to the server
            data = await reader.read(65536)
            if not data:
                break
            now = time.time()
            *lines, buffer = (buffer + data).split(b"\n")
            for line in lines:
                if not line.startswith(b"data: "):
                    continue
                if b'"item_id"' in line:  # a measured chunk (the end mark is a notice)
                    stamp = TIMESTAMP.search(line)
                    assert stamp is not None
                    latencies.append(now - float(stamp.group(1)))
                    arrivals.append(now)
                    counts[index] += 1
                elif end in line:
                    return
    finally:
        writer.close()
        done.release()


async def run_clients(url: str, clients: int) -> dict[str, Any]:
    raise_fd_limit()
    gc.disable()  # the measuring instrument must not pause itself (its heap only grows for the run's ~20 s)
    host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    counts = [0] * clients
    latencies: list[float] = []
    arrivals: list[float] = []
    connected = [0]
    ready = asyncio.Event()
    done = asyncio.Semaphore(0)
    tasks = [asyncio.create_task(one_client(host, int(port), ready, counts, latencies, arrivals, connected, done))
             for _ in range(clients)]
    started = time.perf_counter()
    await asyncio.wait_for(ready.wait(), 60)
    print(json.dumps({"ready": connected[0], "connect_s": round(time.perf_counter() - started, 2)}), flush=True)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = ((cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)) / (time.perf_counter() - t0)
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    span = (max(arrivals) - min(arrivals)) if len(arrivals) > 1 else float("nan")
    ms = [x * 1000 for x in latencies]
    return {
        "clients": clients, "cpu": client_cpu, "errors": errors[:3], "error_count": len(errors),
        "events": len(latencies), "per_client_min": min(counts), "per_client_max": max(counts),
        "delivered_per_s": len(latencies) / span if span == span and span > 0 else float("nan"),
        "latency_ms": {"p50": percentile(ms, 50), "p99": percentile(ms, 99), "max": max(ms) if ms else float("nan"),
                       "mean": statistics.fmean(ms) if ms else float("nan")},
    }


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

    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--client", server.url, "--clients", str(args.clients),
        stdout=asyncio.subprocess.PIPE, cwd=str(REPO))
    assert proc.stdout is not None
    try:
        ready = json.loads(await asyncio.wait_for(proc.stdout.readline(), 90))
        await asyncio.sleep(0.5)
        rss_connected = rss_mb()
        hub_clients = server.hub.client_count

        lag: list[float] = []
        stop = asyncio.Event()
        prober = asyncio.create_task(probe_lag(lag, 0.005, stop))
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
        stop.set()
        await prober
        session.publish(NoticePosted("bench_end", text=END_MARK))
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        clients = json.loads(out.decode().strip().splitlines()[-1])
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await server.aclose()
        await runtime.close()

    lag_ms = [x * 1000 for x in lag]
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    lat = clients["latency_ms"]
    expected = published * args.clients
    print(f"SSE benchmark: {args.clients} clients on loopback, {published} events published at {args.rate:g}/s "
          f"for {elapsed:.1f} s (clients in a separate process; {os.cpu_count()} CPUs, load average "
          f"{load_before:.2f} before the run)")
    print(f"  connected:           {ready['ready']} clients in {ready['connect_s']} s (hub counted {hub_clients})")
    print(f"  delivered:           {clients['events']} of {expected} events "
          f"({clients['per_client_min']}..{clients['per_client_max']} per client), "
          f"{clients['error_count']} client errors")
    print(f"  throughput:          {clients['delivered_per_s']:.0f} events/s delivered")
    print(f"  latency publish->receive: p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms "
          f"(goal p99 <= 50 ms: {'met' if lat['p99'] <= 50 else 'NOT met'})")
    print(f"  server RSS:          {rss_before:.0f} MB before clients, {rss_connected:.0f} MB with "
          f"{args.clients} connected, {rss_during:.0f} MB while streaming "
          f"(+{rss_connected - rss_before:.1f} MB for the clients)")
    print(f"  app loop lag:        p50 {percentile(lag_ms, 50):.2f} ms, p99 {percentile(lag_ms, 99):.2f} ms, "
          f"max {max(lag_ms):.2f} ms over {len(lag_ms)} probes "
          f"(goal p99 <= 16 ms: {'met' if percentile(lag_ms, 99) <= 16 else 'NOT met'})")
    print(f"  CPU while streaming: server process {cpu / elapsed * 100:.0f}% of one core, "
          f"client process {clients['cpu'] * 100:.0f}%")
    if clients["errors"]:
        print(f"  client errors: {clients['errors']}")
    ok = clients["events"] == expected and clients["error_count"] == 0
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0, help="events published per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of publishing")
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)  # internal: run the client side
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
    if args.client:
        print(json.dumps(asyncio.run(run_clients(args.client, args.clients))), flush=True)
        return 0
    return asyncio.run(run_app(args))


if __name__ == "__main__":
    sys.exit(main())
