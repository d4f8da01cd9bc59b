"""Offline barge-in on the virtual sound card: the shopper talks over Aisle → Aisle's voice is gone from the room.

Method (issue 5, "Benchmarks"). The same kiosk as `bench_voice_latency.py` (real runtime with the offline brain,
`VoiceService` with echo control on a private `vmic`/`vsink` card, default settings: 300 ms barge-in debounce), a
second output stream for the shopper and an independent capture of `vmic` (the "ear"). Each trial types "show me
sleeping bags" (a long spoken reply), waits until Aisle speaks plus 1.5-2 s, and plays "tell me more about the second
one" (espeak-ng CLI) into `vsink`. The next trial's typed request cuts off the answer to the interruption, as a tap
on the screen would (`--wait-quiet`: wait until Aisle is quiet instead; slower, ~20 s a trial).

The ear hears the sum of both voices. The shopper's signal is known, so it is found in the ear's recording (cross-
correlation, least-squares gain) and subtracted: what remains is Aisle alone. Figures per trial:

- **heard**: the interruption's onset in the ear's stream (its first sample above -40 dBFS) → Aisle's last sample
  above -40 dBFS in the remainder (Aisle silent in the room). Goal p50 <= 350 ms, the 300 ms debounce included.
  Measured between samples of one recording, so the device's buffering counts only once (on Aisle's side).
  If Aisle happened to be between two words when it was stopped, this reads a little early.
- **from timings** (a second, separate figure): onset (the ear's sample time, lower envelope of its callback times)
  → `timings['barge_in_at']` (the decision) → `timings['playback_stopped_at']` (speaker flushed) + the speaker's
  output latency as PortAudio reports it ("silent at the output, estimated").
- whether the interruption became the next voice turn: a voice `shopper_message`, word for word or at least ending
  in "about the second one" (the words that carry the request; the first ~0.4 s overlap Aisle's voice).

Trials where the shopper's own output stream underflowed (a gap in their voice, which the subtraction cannot
follow: under load this read as "Aisle still heard") are listed as such and not measured. Trials where Aisle
interrupted itself (a barge-in before the shopper's words were heard) or where no barge-in happened while the
shopper spoke are listed apart, not measured; for the latter, how many microphone blocks the echo control silenced
while the shopper spoke. Goal: heard p50 <= 350 ms. Exit status 1 when it is missed or no trial
could be measured.

    .venv/bin/python bench/bench_voice_bargein.py [--trials 8] [--runs 1] [--wait-quiet] [--verbose]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_voice_common import at_rate, offline_kiosk_environment, pct, speech, virtual_device
from bench_voice_latency import RATE, Ear, Kiosk, above, kiosk, until

GOAL_MS = 350.0
REQUEST = "show me sleeping bags"
INTERRUPTION = "tell me more about the second one"
VOICES = ("en-us+f3", "en-us", "en-us+m3")


@dataclass
class Trial:
    index: int
    voice: str
    wait_s: float
    started_frame: int = 0
    played_at: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    turn: str | None = None
    output_latency_s: float = 0.0
    outcome: str = ""  # "" measured | "self" | "never" | other problem
    heard_ms: float = float("nan")
    decision_ms: float = float("nan")
    flushed_ms: float = float("nan")
    estimated_ms: float = float("nan")
    residual_dbfs: float = float("nan")
    dropped: str = ""  # a final recognition the voice loop dropped as noise instead of taking it as the turn
    gated_blocks: int = 0  # microphone blocks the voice loop took for echo while the shopper spoke
    spoken_blocks: int = 0


async def one_trial(k: Kiosk, trial: Trial, wait_quiet: bool) -> None:
    from app.events import EventKind

    voice = k.voice
    if wait_quiet:
        await until(k.quiet, 40)
        await asyncio.sleep(0.8)
    since = time.monotonic()
    await k.runtime.conversation.submit_text(REQUEST)  # also cuts off the answer to the previous interruption

    def speaking() -> bool:
        return any(at >= since and e.kind is EventKind.VOICE_STATE and e.data.get("state") == "speaking"
                   for at, e in k.seen) and voice.playback is not None and voice.playback.is_playing

    if not await until(speaking, 15):
        trial.outcome = "Aisle did not start speaking"
        return
    await asyncio.sleep(trial.wait_s)

    def barged() -> float:
        at = voice.timings.get("barge_in_at")
        return at if at is not None and at > since else 0.0

    if barged() or not voice.playback.is_playing:
        trial.outcome = "self" if barged() else "the reply ended before the interruption"
        return
    pcm, rate = speech(INTERRUPTION, trial.voice, 160)
    trial.started_frame = k.ear.frames
    trial.played_at = time.monotonic()
    trial.output_latency_s = voice.playback.output_latency
    gated, rejected = voice.echo_gated_blocks, list(voice.rejected)
    underflows = k.shopper.underflows
    k.shopper.play(at_rate(pcm, rate, RATE), tag=f"shopper-{trial.index}")
    trial.spoken_blocks = pcm.size * 50 // rate
    words_end = time.monotonic() + pcm.size / rate + 0.1
    deadline = words_end + 6
    while time.monotonic() < deadline:
        if time.monotonic() < words_end:
            trial.gated_blocks = voice.echo_gated_blocks - gated
        if barged() and not trial.timings:
            trial.timings = dict(voice.timings)
        if k.voice_turn(trial.played_at) is not None or (time.monotonic() > words_end and voice.rejected != rejected):
            break
        await asyncio.sleep(0.02)
    if barged() and not trial.timings:
        trial.timings = dict(voice.timings)
    if k.shopper.underflows != underflows:  # a gap in the shopper's voice: it cannot be subtracted from the ear's
        trial.outcome = "the shopper's own stream underflowed (not measured)"
    message = k.voice_turn(trial.played_at)
    trial.turn = message.data["text"] if message is not None else None
    if message is None and voice.rejected != rejected:
        dropped = voice.rejected[-1]
        trial.dropped = f"{dropped.raw!r} (confidence {dropped.confidence:.2f}, voicing {dropped.voicing:.2f})"
    # no waiting out the answer: the next trial's typed request cuts it off, as a tap on the screen would
    await asyncio.sleep(1.0)


def measure(trial: Trial, stream: np.ndarray, ear: Ear) -> None:
    pcm, rate = speech(INTERRUPTION, trial.voice, 160)
    shopper = at_rate(pcm, rate, RATE).astype(np.float64)
    n = shopper.size
    start = trial.started_frame
    search = RATE // 2  # the shopper's audio reaches the ear within 0.5 s of being handed to the speaker
    window = stream[start:start + search + n].astype(np.float64)
    if window.size < search + n:
        trial.outcome = "the ear's recording ended early"
        return
    size = 1 << int(np.ceil(np.log2(window.size + n)))
    corr = np.fft.irfft(np.fft.rfft(window, size) * np.conj(np.fft.rfft(shopper, size)), size)[:search]
    lag = int(np.argmax(corr))
    heard = window[lag:lag + n]
    gain = float(heard @ shopper / (shopper @ shopper))
    aisle = heard - gain * shopper
    aisle[np.abs(heard) >= 32767] = 0  # clipped samples: the sum is not known there
    src = above(shopper)
    onset = int(src[0])  # within `heard`
    before = aisle[max(0, onset - RATE // 2):onset]
    if not above(before).size:
        trial.outcome = "Aisle not heard just before the interruption"
        return
    loud = above(aisle[onset:int(src[-1])])
    last = onset + int(loud[-1]) if loud.size else onset
    if last >= int(src[-1]) - RATE // 50:
        trial.outcome = "never"  # Aisle still heard when the shopper's words ended
        return
    trial.heard_ms = (last - onset) / RATE * 1000
    quiet = aisle[last + RATE // 10:int(src[-1])]  # Aisle gone, shopper speaking: what the subtraction leaves
    if quiet.size:
        trial.residual_dbfs = 20 * np.log10(np.sqrt(np.mean(quiet**2)) / 32768 + 1e-9)
    t_onset = ear.time_of(start + lag + onset)
    barge = trial.timings.get("barge_in_at")
    if barge is None:
        trial.outcome = "never"
        return
    if barge < t_onset:
        trial.outcome = "self"
        return
    trial.decision_ms = (barge - t_onset) * 1000
    stopped = trial.timings.get("playback_stopped_at")
    if stopped is not None:
        trial.flushed_ms = (stopped - t_onset) * 1000
        trial.estimated_ms = trial.flushed_ms + trial.output_latency_s * 1000


def row(label: str, values: list[float]) -> None:
    print(f"  {label:<52} {pct(values, 50):8.0f} {pct(values, 95):8.0f} {max(values):8.0f}")


def measure_all(trials: list[Trial], ear: Ear) -> None:
    stream = ear.stream()
    for trial in trials:
        if not trial.outcome:
            measure(trial, stream, ear)


def report(runs: list[list[Trial]], debounce_ms: int) -> bool:
    trials = [t for run_trials in runs for t in run_trials]
    good = [t for t in trials if not t.outcome]
    print(f"\ntrials: {len(trials)}, measured {len(good)}, Aisle interrupted itself "
          f"{sum(t.outcome == 'self' for t in trials)}, no barge-in {sum(t.outcome == 'never' for t in trials)}")
    for t in trials:
        figure = f"{t.heard_ms:5.0f} ms" if not t.outcome else "   --   "
        outcome = {"self": "Aisle interrupted itself", "never": "no barge-in while the shopper spoke"}.get(
            t.outcome, t.outcome)
        print(f"  {t.index + 1:2d} {t.voice:<9} after {t.wait_s:.1f} s  heard {figure}  next voice turn: "
              f"{t.turn!r}  {outcome}")
        if t.dropped:
            print(f"     (the interruption was recognised but dropped as noise: {t.dropped})")
        if t.outcome == "never":
            print(f"     (while the shopper spoke, {t.gated_blocks} of ~{t.spoken_blocks} microphone blocks were taken"
                  f" for echo and silenced before the VAD)")
    if not good:
        print("\nno trial could be measured: goal missed")
        return False
    print(f"\n  {'from the interruption onset (heard on vmic)':<52} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    row("heard: Aisle silent on vmic", [t.heard_ms for t in good])
    row(f"  of which after the {debounce_ms} ms debounce", [t.heard_ms - debounce_ms for t in good])
    print("  from VoiceLoop.timings (a second, separate figure):")
    row("  barge-in decision (timings['barge_in_at'])", [t.decision_ms for t in good])
    row("  speaker flushed (timings['playback_stopped_at'])", [t.flushed_ms for t in good])
    row("  + output latency: silent at the output (estimated)", [t.estimated_ms for t in good])
    residual = [t.residual_dbfs for t in good if not np.isnan(t.residual_dbfs)]
    if residual:
        print(f"  (the shopper's voice subtracted from the ear's recording leaves at most {max(residual):.0f} dBFS)")
    exact = sum(1 for t in good if t.turn and t.turn.strip().lower() == INTERRUPTION)
    ending = sum(1 for t in good if t.turn and t.turn.strip().lower().endswith("about the second one"))
    print(f"  the interruption became the next voice turn: word for word in {exact} of {len(good)} measured trials, "
          f"ending in 'about the second one' in {ending}")
    if len(runs) > 1:  # each start of the kiosk and the card meets the devices' periods at another phase
        measured = [[t.heard_ms for t in run if not t.outcome] for run in runs]
        per_run = [pct(values, 50) for values in measured if values]
        print(f"  heard p50 of each run (kiosk and card started afresh): {', '.join(f'{v:.0f}' for v in per_run)} ms")
    p50 = pct([t.heard_ms for t in good], 50)
    ok = p50 <= GOAL_MS
    print(f"  goal heard p50 <= {GOAL_MS:.0f} ms (debounce included): {'met' if ok else 'MISSED'} (p50 {p50:.0f} ms)")
    print("\nall goals met" if ok else "\nsome goals missed")
    return ok


async def run(args: argparse.Namespace, data: Path, first: int) -> tuple[list[Trial], int]:
    """One start of the kiosk: its trials, measured, and the barge-in debounce it ran with."""
    rng = random.Random(5 + first)
    trials = [Trial(first + i, VOICES[i % len(VOICES)], round(rng.uniform(1.5, 2.0), 2)) for i in range(args.trials)]
    async with kiosk(data) as k:
        for trial in trials:
            await one_trial(k, trial, args.wait_quiet)
        await until(k.quiet, 40)
    measure_all(trials, k.ear)
    return trials, k.voice.config.barge_in_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--wait-quiet", action="store_true",
                        help="let Aisle finish each answer to an interruption (about 20 s a trial instead of ~8 s) "
                             "instead of cutting it off with the next typed request")
    parser.add_argument("--runs", type=int, default=1,
                        help="start the kiosk and the virtual card this many times, --trials each, and pool the "
                             "trials (the figure moves by ±20 ms from one start to the next)")
    parser.add_argument("--verbose", action="store_true",
                        help="log the voice loop's INFO messages (echo re-synchronisations, dropped recognitions), "
                             "each barge-in check and each voice turn's confidence")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(relativeCreated)d %(levelname)s %(name)s: %(message)s")
    if args.verbose:
        logging.getLogger("aisle.audio.barge_in").setLevel(logging.DEBUG)
        logging.getLogger("aisle.audio.voice").setLevel(logging.DEBUG)
    offline_kiosk_environment()
    runs: list[list[Trial]] = []
    debounce_ms = 0
    for number in range(args.runs):
        with virtual_device(), tempfile.TemporaryDirectory(prefix="aisle-bench-bargein-") as tmp:
            trials, debounce_ms = asyncio.run(run(args, Path(tmp), number * args.trials))
        runs.append(trials)
    ok = report(runs, debounce_ms)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
