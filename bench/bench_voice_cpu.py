"""CPU used by the kiosk's voice loop while it listens to silence (nobody speaking, Aisle quiet).

The real kiosk runs in this process — `build_runtime` (offline brain, demo catalog, a temporary data directory) and
`VoiceService` with echo mode "auto" (AEC when available) on the private virtual sound card of
`bench_voice_common.virtual_device()`; a shopper session is open. Nothing is played into `vsink` except the device's
keep-alive stream of zeros, so the microphone hears digital silence and every 20 ms block goes through capture →
echo control → 16 kHz resampling → VAD.

Method: this process's CPU time (`resource.getrusage(RUSAGE_SELF)`, user + sys, all threads) over a window of
`--seconds` of wall time, as % of one core. Two windows in the same process: first the baseline — the runtime and
the session only, voice not started — then, after the voice service has started and settled for `SETTLE_S`, the
same window with the voice loop listening. The difference is what the voice loop adds. The per-thread split
(/proc/self/task/*/stat) shows where the voice window's time went. The virtual device's PulseAudio daemon and its
keep-alive `pacat` (read from /proc/<pid>/stat, pids from the device's state directory) are reported separately:
they are not ours, a real sound card has no such daemon cost (or a different one).

The machine may be shared: other processes do not count in getrusage, but they can slow ours (cache, frequency).

Goal: the voice window ≤ `GOAL_PCT` % of one core for this process. Exit status 1 when missed.

    .venv/bin/python bench/bench_voice_cpu.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_voice_common import REPO, offline_kiosk_environment, virtual_device

offline_kiosk_environment()

GOAL_PCT = 5.0
SETTLE_S = 2.0
TICK = os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def proc_cpu(pid: int) -> float | None:
    """utime + stime of a process (all its threads), seconds; None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14 and 15 of stat, counted after "(comm)"


def threads() -> dict[str, float]:
    """CPU seconds per thread of this process, keyed "name (tid)"."""
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[f"{name} ({task.name})"] = (int(fields[11]) + int(fields[12])) / TICK
    return out


@dataclass
class Window:
    name: str
    wall_s: float
    own_s: float
    others: dict[str, float | None]  # not ours: pulseaudio, pacat
    threads: dict[str, float]
    blocks: int = 0
    echo_s: float = 0.0  # wall time inside VoiceLoop._echo_control (on the loop's thread)

    @property
    def own_pct(self) -> float:
        return 100 * self.own_s / self.wall_s


async def window(name: str, seconds: float, others: dict[str, int], count: list[float] | None = None) -> Window:
    before_threads = threads()
    before_others = {k: proc_cpu(pid) for k, pid in others.items()}
    blocks0, echo0 = (count[0], count[1]) if count else (0, 0.0)
    wall0, cpu0 = time.monotonic(), own_cpu()
    await asyncio.sleep(seconds)
    wall, cpu = time.monotonic() - wall0, own_cpu() - cpu0
    after_others = {k: proc_cpu(pid) for k, pid in others.items()}
    after_threads = threads()
    spent = {k: (a - b if a is not None and b is not None else None)
             for (k, b), a in zip(before_others.items(), after_others.values(), strict=True)}
    per_thread = {k: v - before_threads.get(k, 0.0) for k, v in after_threads.items()}
    return Window(name, wall, cpu, spent, per_thread, int(count[0] - blocks0) if count else 0,
                  (count[1] - echo0) if count else 0.0)


async def run(seconds: float, state: Path) -> tuple[Window, Window, str]:
    from app.compose.runtime import build_runtime
    from app.settings import load_settings
    from audio.service import VoiceService

    others: dict[str, int] = {}
    for name in ("pulseaudio", "pacat"):
        pidfile = state / f"{name}.pid"
        if pidfile.exists():
            others[name] = int(pidfile.read_text().strip())
    data = Path(tempfile.mkdtemp(prefix="aisle-bench-cpu-"))
    try:
        catalog = data / "catalog.db"
        shutil.copyfile(REPO / "catalog.db", catalog)
        settings = load_settings({"data_dir": data / "data", "catalog": catalog}, environ={})
        settings = settings.replace(input_device="vmic", output_device="vsink", echo_mode="auto")
        runtime = build_runtime(settings)
        try:
            await runtime.conversation.start_session()
            await asyncio.sleep(SETTLE_S)
            baseline = await window("runtime only (voice not started)", seconds, others)
            service = VoiceService(runtime)
            voice = service.loop
            count = [0, 0.0]  # blocks, seconds spent in echo control
            original = voice._echo_control

            def counted(block):  # type: ignore[no-untyped-def]
                t0 = time.perf_counter()
                try:
                    return original(block)
                finally:
                    count[0] += 1
                    count[1] += time.perf_counter() - t0

            voice._echo_control = counted  # type: ignore[method-assign]
            await service.start()
            try:
                if not voice.available:
                    raise SystemExit(f"voice is not available on the virtual device: {voice.problem}")
                await asyncio.sleep(SETTLE_S)
                listening = await window(f"voice loop listening (echo {voice.echo_mode})", seconds, others, count)
                status = (f"voice state {voice.state.value}, echo {voice.echo_mode}, VAD in speech: "
                          f"{voice._vad.in_speech}, gated blocks {voice.echo_gated_blocks}")
            finally:
                await service.stop()
        finally:
            await runtime.close()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return baseline, listening, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each measured window")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    with virtual_device() as device:
        baseline, listening, status = asyncio.run(run(args.seconds, device.state))

    print(f"CPU while listening to silence on the virtual device, {args.seconds:.0f} s windows, % of one core "
          f"({os.cpu_count()} cores on this machine, possibly shared)")
    print()
    names = list(listening.others)
    print(f"{'window':<40} {'wall s':>6} {'ours %':>7} " + " ".join(f"{n + ' % *':>13}" for n in names)
          + f" {'blocks':>7}")
    for w in (baseline, listening):
        cells = " ".join(f"{(100 * v / w.wall_s if v is not None else float('nan')):>13.2f}" for v in w.others.values())
        blocks = str(w.blocks) if w is listening else "-"
        print(f"{w.name:<40} {w.wall_s:>6.1f} {w.own_pct:>7.2f} {cells} {blocks:>7}")
    added = listening.own_pct - baseline.own_pct
    print(f"{'added by the voice loop':<40} {'':>6} {added:>7.2f}")
    print("* not ours: the virtual device's PulseAudio daemon and its keep-alive stream")
    print()
    busiest = sorted(((v, k) for k, v in listening.threads.items() if v > 0), reverse=True)[:8]
    print("voice window, busiest threads of this process (% of one core):")
    for v, k in busiest:
        print(f"  {k:<32} {100 * v / listening.wall_s:6.2f}")
    if listening.blocks:
        print(f"  of which in VoiceLoop._echo_control (wall time on the loop thread) "
              f"{100 * listening.echo_s / listening.wall_s:6.2f}  ({1000 * listening.echo_s / listening.blocks:.3f} "
              f"ms per 20 ms block)")
    expected = int(listening.wall_s * 50)
    print(f"({status}; {listening.blocks} capture blocks in the window, {expected} expected)")
    ok = listening.own_pct <= GOAL_PCT
    print()
    print(f"goal: ours <= {GOAL_PCT:.0f} % of one core while listening: "
          f"{'met' if ok else 'MISSED'} ({listening.own_pct:.2f} %)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
