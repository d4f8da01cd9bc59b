"""Soak benchmark: a headless kiosk taking scripted shopper turns over HTTP for an hour (or eight), sampled each minute.

Starts `aisle --headless --no-voice` as its own process on a free port with a fresh data directory and the offline
brain, then loops: post a scripted turn to `current`, follow the reply on a fresh SSE stream until `completion`,
now and then list past sessions and read one, and let the kiosk's idle reset close sessions between "shoppers".
Every `--sample-s` seconds (default 60) it records the server process's RSS, open file descriptors and threads
(from /proc), the `/health` round trip (the server loop's lag) and `/health`'s `app_loop_ms` (a round trip through
the app loop, where the conversation runs). At the end it fits a straight line to each series and prints the
slope per hour next to the first and last values, so a leak shows as a steady climb.

Voice: unless `--no-voice`, the kiosk runs with its voice loop on a private virtual sound card (`vmic`/`vsink`, from
`bench_voice_common.virtual_device()`), and at the start of each scripted shopper a spoken question (espeak-ng
speech played into `vsink` with `paplay`) is a turn of its own: the bench waits for the voice `shopper_message` and
the reply's `completion`, and counts spoken turns heard word for word, misheard, and not taken (Aisle said it did
not catch that, or nothing within 20 s).

    .venv/bin/python bench/bench_soak.py [--minutes 60] [--sample-s 60] [--no-voice] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent

SCRIPT = [
    "show me tents",
    "which one is the lightest?",
    "add the first one to my cart",
    "do you have sleeping bags under 100 dollars?",
    "add it",
    "what's in my cart?",
    "remove the tent",
    "I'd like a headlamp",
    "checkout",
]


IDLE_TIMEOUT_S = 5  # the kiosk's idle reset, short so that many "shoppers" come and go

# (as spoken, the voice turn expected)
SPOKEN = [
    ("show me tents", "show me tents"),
    ("what's in my cart", "what's in my cart"),
    ("do you have any sleeping bags", "do you have any sleeping bags"),
]


def plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_sample(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return {"rss_mb": round(rss, 1), "fds": fds, "threads": threads}


def slope_per_hour(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (seconds), per hour."""
    if len(xs) < 2:
        return float("nan")
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den * 3600 if den else 0.0


class Turns:
    """The scripted shopper: posts turns and waits for each reply on the stream."""

    def __init__(self, base: str, voice_env: dict[str, str] | None = None) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)
        self.turns = 0
        self.failures = 0
        self.reply_s: list[float] = []
        self.stop = threading.Event()
        self.voice_env = voice_env  # the virtual sound card's environment, for paplay; None: no spoken turns
        self.spoken = {"heard": 0, "misheard": 0, "not_taken": 0}
        self.spoken_reply_s: list[float] = []

    def one_spoken_turn(self, said: str, expected: str) -> None:
        """Say ``said`` into the kiosk's microphone and wait for the voice turn and its reply."""
        assert self.voice_env is not None
        from bench_voice_common import speech_wav

        wav = speech_wav(said)
        started, said_at = time.perf_counter(), time.time()
        with self.client.stream("GET", "/api/stream/current") as stream:
            subprocess.run(["paplay", "--device=vsink", str(wav)], env=self.voice_env, check=True, timeout=30)
            deadline = time.monotonic() + 20
            event, heard = "", None
            for line in stream.iter_lines():  # heartbeats keep this loop turning while nothing happens
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                if time.monotonic() > deadline:
                    break
                if not line.startswith("data:"):
                    continue
                wire = json.loads(line[5:])
                if wire.get("timestamp", 0.0) < said_at:
                    continue  # the session's backlog: earlier turns
                if event == "shopper_message" and wire["data"].get("source") == "voice":
                    heard = wire["data"].get("text", "")
                elif event == "notice" and wire["data"].get("code") == "not_understood":
                    break
                elif event == "completion" and heard is not None:
                    self.spoken_reply_s.append(time.perf_counter() - started)
                    break
        if heard is None:
            self.spoken["not_taken"] += 1
        elif plain(heard) == plain(expected):
            self.spoken["heard"] += 1
        else:
            self.spoken["misheard"] += 1
            print(f"  spoken {said!r} was heard as {heard!r}", file=sys.stderr, flush=True)

    def one_turn(self, text: str) -> None:
        started = time.perf_counter()
        with self.client.stream("GET", "/api/stream/current") as stream:
            posted = self.client.post("/api/sessions/current/messages", json={"text": text})
            if posted.status_code != 202:
                raise RuntimeError(f"post answered {posted.status_code}: {posted.text[:200]}")
            event, mine = "", False
            for line in stream.iter_lines():  # the backlog (earlier turns) first, then this turn live
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "shopper_message":
                    mine = json.loads(line[5:])["data"].get("text") == text
                elif line.startswith("data:") and event == "completion" and mine:
                    break
        self.reply_s.append(time.perf_counter() - started)

    def run(self, pause_s: float) -> None:
        i = 0
        while not self.stop.is_set():
            try:
                if self.voice_env is not None and i % len(SCRIPT) == 0:  # a new shopper starts by talking
                    said, expected = SPOKEN[(i // len(SCRIPT)) % len(SPOKEN)]
                    self.one_spoken_turn(said, expected)
                    self.turns += 1
                    self.stop.wait(pause_s)
                self.one_turn(SCRIPT[i % len(SCRIPT)])
                self.turns += 1
                if i % len(SCRIPT) == len(SCRIPT) - 1:
                    sessions = self.client.get("/api/sessions", params={"limit": 5}).json()["sessions"]
                    if sessions:
                        self.client.get(f"/api/sessions/{sessions[-1]['id']}")
                    # the shopper leaves; the next one comes once the idle reset closed the session (which also
                    # silences Aisle: the next shopper's spoken question is not said over its voice)
                    self.stop.wait(max(3 * pause_s, IDLE_TIMEOUT_S + 1))
            except Exception as exc:  # counted and reported, never hidden
                self.failures += 1
                print(f"  turn failed: {exc!r}", file=sys.stderr, flush=True)
                self.stop.wait(1.0)
            i += 1
            self.stop.wait(pause_s)


def sample(base: str, pid: int, started: float) -> dict[str, Any]:
    row: dict[str, Any] = {"t_s": round(time.monotonic() - started, 1), **proc_sample(pid)}
    t0 = time.perf_counter()
    health = httpx.get(base + "/health", timeout=30).json()
    row["health_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    row["app_loop_ms"] = health.get("app_loop_ms")
    row["status"] = health.get("status")
    return row


def report(samples: list[dict[str, Any]], turns: Turns, elapsed_s: float, code: int, out: Path | None) -> None:
    """Fit a line to each sampled series and print first, last, max and the slope per hour."""
    xs = [float(s["t_s"]) for s in samples]
    fits = {}
    for key in ("rss_mb", "fds", "threads", "health_ms", "app_loop_ms"):
        ys = [float(s[key]) for s in samples if s.get(key) is not None]
        if len(ys) == len(xs) and ys:
            warm = [i for i, x in enumerate(xs) if x >= xs[-1] * 0.1]  # the first tenth is warm-up
            fits[key] = {"first": ys[0], "last": ys[-1], "max": max(ys),
                         "slope_per_hour": round(slope_per_hour(xs, ys), 2),
                         "slope_after_warmup": round(slope_per_hour([xs[i] for i in warm], [ys[i] for i in warm]), 2)}
    replies = sorted(turns.reply_s)
    summary = {
        "minutes": round(elapsed_s / 60, 1), "turns": turns.turns, "failures": turns.failures,
        "reply_p50_s": round(replies[len(replies) // 2], 3) if replies else None,
        "reply_p99_s": round(replies[int(len(replies) * 0.99)], 3) if replies else None,
        "exit_code": code, "fits": fits,
    }
    if turns.voice_env is not None:
        spoken = sorted(turns.spoken_reply_s)
        summary["spoken"] = {**turns.spoken, "reply_p50_s": round(spoken[len(spoken) // 2], 3) if spoken else None}
    print("\nsoak result (straight-line fit over the samples; slope per hour):")
    for key, fit in fits.items():
        print(f"  {key:12} first {fit['first']:>8}  last {fit['last']:>8}  max {fit['max']:>8}  "
              f"slope {fit['slope_per_hour']:+.2f}/h (after the first tenth {fit['slope_after_warmup']:+.2f}/h)")
    print(f"  turns {turns.turns}, failed {turns.failures}, reply p50 {summary['reply_p50_s']} s, "
          f"p99 {summary['reply_p99_s']} s, exit code {code}")
    if "spoken" in summary:
        spoken = summary["spoken"]
        print(f"  spoken turns: heard word for word {spoken['heard']}, misheard {spoken['misheard']}, not taken "
              f"{spoken['not_taken']}; end of question played -> reply complete p50 {spoken['reply_p50_s']} s "
              "(includes the question's own length)")
    if out is not None:
        out.write_text(json.dumps({"summary": summary, "samples": samples}, indent=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--sample-s", type=float, default=60.0)
    parser.add_argument("--pause-s", type=float, default=2.0, help="pause between turns")
    parser.add_argument("--json", type=Path, help="also write the samples and fits here")
    parser.add_argument("--no-voice", action="store_true", help="HTTP turns only (no virtual sound card)")
    args = parser.parse_args()
    if args.no_voice:
        return soak(args, None)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_voice_common import virtual_device

    with virtual_device() as device:
        return soak(args, {**os.environ, **device.env})


def soak(args: argparse.Namespace, voice_env: dict[str, str] | None) -> int:

    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="aisle-soak-"))
    env = {**os.environ, "AISLE_NO_KEYRING": "1", "PYTHONUNBUFFERED": "1", "AISLE_BRAIN": "offline",
           "AISLE_API_POST_RATE_PER_MIN": "600", "AISLE_API_POST_BURST": "20",
           "AISLE_IDLE_TIMEOUT_S": str(IDLE_TIMEOUT_S)}
    env.pop("AISLE_API_TOKEN", None)
    if voice_env is not None:
        env.update({**voice_env, "AISLE_INPUT_DEVICE": "vmic", "AISLE_OUTPUT_DEVICE": "vsink"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.compose.cli", "--headless", *([] if voice_env else ["--no-voice"]),
         "--data-dir", str(data), "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                break
        if proc.poll() is not None:
            print(proc.stderr.read() if proc.stderr else "", file=sys.stderr)
            return 1
        time.sleep(0.3)
    print(f"soak: headless kiosk pid {proc.pid} on {base}, data {data}; {args.minutes:g} min, sample every "
          f"{args.sample_s:g} s; voice {'on the virtual sound card' if voice_env else 'off'}", flush=True)

    turns = Turns(base, voice_env)
    worker = threading.Thread(target=turns.run, args=(args.pause_s,), daemon=True)
    started = time.monotonic()
    worker.start()
    samples: list[dict[str, Any]] = []
    end = started + args.minutes * 60
    try:
        while True:
            row = sample(base, proc.pid, started)
            row["turns"] = turns.turns
            row["failures"] = turns.failures
            samples.append(row)
            print("  " + json.dumps(row), flush=True)
            if time.monotonic() >= end or proc.poll() is not None:
                break
            time.sleep(max(0.0, min(args.sample_s, end - time.monotonic())))
    finally:
        turns.stop.set()
        worker.join(35)
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = -9
    report(samples, turns, time.monotonic() - started, code, args.json)
    return 0 if turns.failures == 0 and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
