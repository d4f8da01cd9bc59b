"""The SSE benchmark's client process: many stream connections read by one lean epoll loop.

Run by `bench/bench_sse.py` (one or more of these processes, each with its share of the clients):

    python bench/sse_reader.py URL CLIENTS

Each client is a raw HTTP/1.0 connection to `/api/stream/current` (the body is then plain SSE). The loop takes each
arrival time right after `epoll` returns ("wake": the data was in the kernel by then, for every socket in that batch)
and again right after each socket's `recv` ("recv": what a single-threaded reader observes, including the time spent
reading the sockets before it). Parsing happens after the batch's stamps are taken, so the instrument adds as little
as it can. Both figures are reported: wake is the closer bound on the server's delivery, recv shows what the reader
itself adds. Prints one JSON line when all clients are connected, then one with the results.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
import resource
import select
import socket
import sys
import time
from typing import Any

END_MARK = b"bench-end"
TIMESTAMP = re.compile(rb'"timestamp":([0-9.e+-]+)')


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(host: str, port: int) -> tuple[socket.socket, bytes]:
    """A stream connection past its response headers; returns the socket and any body bytes already read."""
    sock = socket.create_connection((host, port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(f"GET /api/stream/current HTTP/1.0\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(65536)
        if not data:
            raise RuntimeError(f"stream closed before its headers: {head!r}")
        head += data
    status, _, rest = head.partition(b"\r\n\r\n")
    if b" 200 " not in status.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"stream refused: {status[:80]!r}")
    sock.setblocking(False)
    return sock, rest


def read_all(socks: list[socket.socket]) -> tuple[list[tuple[int, bytes, float, float]], float]:
    """Read every socket until each has seen the end mark or closed. Returns (fd, bytes, wake, recv) per read."""
    poller = select.epoll()
    for sock in socks:
        poller.register(sock.fileno(), select.EPOLLIN)
    by_fd = {sock.fileno(): sock for sock in socks}
    reads: list[tuple[int, bytes, float, float]] = []
    open_fds = set(by_fd)
    clock = time.time
    cpu0, t0 = 0.0, 0.0
    while open_fds:
        ready = poller.poll(30)
        if not ready:
            raise RuntimeError(f"{len(open_fds)} streams got nothing for 30 s")
        woke = clock()
        if not t0:  # CPU is counted from the first event on
            cpu0, t0 = time.process_time(), time.perf_counter()
        for fd, _mask in ready:
            try:
                data = by_fd[fd].recv(262144)
            except BlockingIOError:
                continue
            reads.append((fd, data, woke, clock()))
            if not data or END_MARK in data:
                poller.unregister(fd)
                open_fds.discard(fd)
    cpu = (time.process_time() - cpu0) / max(1e-9, time.perf_counter() - t0)
    poller.close()
    return reads, cpu


def measure(reads: list[tuple[int, bytes, float, float]]) -> dict[str, Any]:
    """Per event and client: milliseconds from publish to wake and to recv."""
    wake_ms: list[float] = []
    recv_ms: list[float] = []
    counts: dict[int, int] = {}
    tails: dict[int, bytes] = {}
    for fd, data, woke, got in reads:
        lines = (tails.get(fd, b"") + data).split(b"\n")
        tails[fd] = lines.pop()
        for line in lines:
            if line.startswith(b"data: ") and b'"item_id"' in line:  # a measured chunk (the end mark is a notice)
                stamp = TIMESTAMP.search(line)
                assert stamp is not None
                sent = float(stamp.group(1))
                wake_ms.append(round((woke - sent) * 1000, 3))
                recv_ms.append(round((got - sent) * 1000, 3))
                counts[fd] = counts.get(fd, 0) + 1
    return {"wake_ms": wake_ms, "recv_ms": recv_ms, "counts": list(counts.values())}


def main() -> int:
    url, clients = sys.argv[1], int(sys.argv[2])
    raise_fd_limit()
    gc.disable()  # the instrument must not pause itself (its heap only grows for the run's ~20 s)
    host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    started = time.perf_counter()
    socks = []
    for _ in range(clients):
        sock, _early = connect(host, int(port))  # the first bytes (": connected") carry no event
        socks.append(sock)
    print(json.dumps({"ready": len(socks), "connect_s": round(time.perf_counter() - started, 2)}), flush=True)
    reads, cpu = read_all(socks)
    for sock in socks:
        sock.close()
    result = measure(reads)
    counts = result.pop("counts")
    result.update(clients=clients, cpu=cpu, per_client_min=min(counts or [0]), per_client_max=max(counts or [0]),
                  silent_clients=clients - len(counts))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
