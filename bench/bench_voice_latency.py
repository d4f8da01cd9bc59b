"""Offline voice-to-voice latency on the virtual sound card: the shopper stops talking → Aisle's answer is heard.

Method (issue 5, "Benchmarks"). One process runs the real kiosk pieces — `build_runtime` with the offline brain on
the demo catalog, `VoiceService`/`VoiceLoop` with echo control on `vmic`/`vsink` (a private PulseAudio card from
`bench_voice_common.virtual_device()`), default settings (500 ms end-of-speech silence, 240 ms once the words so far
are a whole grammar sentence; the Whisper second pass loaded). A second output stream
plays a shopper's question (espeak-ng CLI speech) into `vsink`; an independent capture of `vmic` (the "ear") records
what the room heard. Both ends of the figure are read from that one recording, so they share a clock and the
device's buffering appears on both sides alike:

- the question's end: its onset in the ear's stream (first sample above -40 dBFS after the trial began; Aisle is
  silent then) plus the question's known length (its first to last sample above the threshold), then the last
  sample above the threshold near there;
- the answer's start: the first sample above the threshold after that (Aisle answers at least 240 ms later).

"total" is the distance between them; "ours" is total minus the end-of-speech silence that trial waited (240 or
500 ms), the part the kiosk's work adds. A question whose turn ended before the shopper had finished (a voice turn
that is a strict prefix of the question, or more than one voice turn for it) is counted as **cut off**.
The median trial is broken down with `VoiceLoop.timings` (time.monotonic(); the
ear's sample times are the lower envelope of its device callback times): heard end → VAD decision (the silence, plus
the echo canceller's delay line), recognition, agent (first text chunk, first complete sentence), synthesis, queue,
device takes the first sample (`SpeakerPlayback.started_at`) → first audible sample heard on `vmic`.
To read `started_at` for each answer the bench gives every answer's speaker tag a per-trial suffix (written when the
voice loop reused one tag for every reply that was not cut off; harmless now that each reply has its own).

A trial whose question was not taken (no voice `shopper_message`) or misrecognised (compared in lower case without
punctuation: Whisper's "Do you have any tents?" is right) is listed and not measured.
Trials wait until Aisle is quiet (idle, speaker drained) and then ~0.8 s more before the next question.

Goals: total p50 <= 550 ms, ours p50 <= 300 ms, no question cut off. Exit status 1 when a goal is missed.

    .venv/bin/python bench/bench_voice_latency.py [--trials 9]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_voice_common import REPO, at_rate, median, offline_kiosk_environment, pct, speech, virtual_device

RATE = 48000
SHOPPER_LATENCY_S = 0.25
THRESHOLD = 32768 * 10 ** (-40 / 20)  # -40 dBFS, on single samples of the (digital, noise-free) loopback
GOALS_MS = {"total": 550.0, "ours": 300.0}
QUESTIONS = (  # (as spoken, the voice turn expected)
    ("show me sleeping bags under one hundred fifty dollars", "show me sleeping bags under 150 dollars"),
    ("do you have any tents", "do you have any tents"),
    ("what's in my cart", "what's in my cart"),
)
VOICES = ("en-us", "en-us+f3", "en-us+m3")


class Ear:
    """An independent recording of vmic, with a capture time for every sample."""

    def __init__(self) -> None:
        self.blocks: list[Any] = []

    def __call__(self, block: Any) -> None:
        self.blocks.append(block)

    @property
    def frames(self) -> int:
        return self.blocks[-1].start_frame + self.blocks[-1].pcm.size if self.blocks else 0

    def stream(self) -> np.ndarray:
        out = np.zeros(self.frames, dtype=np.int16)
        for b in self.blocks:
            out[b.start_frame:b.start_frame + b.pcm.size] = b.pcm
        return out

    def time_of(self, frame: int) -> float:
        """No later than this, sample ``frame`` was captured (the lowest bound the next callbacks give)."""
        ends = np.array([b.start_frame + b.pcm.size for b in self.blocks], dtype=np.int64)
        first = int(np.searchsorted(ends, frame, side="right"))
        caps = np.array([b.captured_at for b in self.blocks[first:first + 50]])
        return float(np.min(caps - (ends[first:first + 50] - frame) / RATE)) if caps.size else float("nan")


def above(x: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.abs(x.astype(np.int32)) > THRESHOLD)


@dataclass
class Trial:
    index: int
    spoken: str
    expected: str
    voice: str
    started_frame: int = 0
    heard: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    device_started: float | None = None
    lead_silence_s: float = 0.0
    total_ms: float = float("nan")
    parts: dict[str, float] = field(default_factory=dict)
    problem: str = ""


async def until(condition: Any, within: float, every: float = 0.02) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)
    return True


@dataclass
class Kiosk:
    runtime: Any
    service: Any
    voice: Any
    shopper: Any
    ear: Ear
    seen: list[tuple[float, Any]]

    def quiet(self) -> bool:
        from app.events import VoiceState

        voice = self.voice
        return voice.state is VoiceState.IDLE and voice.playback is not None and not voice.playback.is_playing

    def voice_turn(self, since: float) -> Any:
        turns = self.voice_turns(since)
        return turns[0] if turns else None

    def voice_turns(self, since: float) -> list[Any]:
        from app.events import EventKind

        return [e for at, e in self.seen
                if at >= since and e.kind is EventKind.SHOPPER_MESSAGE and e.data.get("source") == "voice"]


@contextlib.asynccontextmanager
async def kiosk(data: Path) -> AsyncIterator[Kiosk]:
    """The kiosk on vmic/vsink with the offline brain, a second speaker for the shopper and an independent ear."""
    from app.compose.runtime import build_runtime
    from app.settings import load_settings
    from audio.capture import MicrophoneCapture
    from audio.playback import SpeakerPlayback
    from audio.service import VoiceService
    from audio.voice_loop import OUTPUT_LATENCY_S

    shutil.copy(REPO / "catalog.db", data / "catalog.db")
    settings = load_settings({"data_dir": data / "data", "catalog": data / "catalog.db"}, environ={})
    settings = settings.replace(input_device="vmic", output_device="vsink", echo_mode="auto")
    runtime = build_runtime(settings)
    seen: list[tuple[float, Any]] = []
    runtime.bus.subscribe(lambda e: seen.append((time.monotonic(), e)))
    service = VoiceService(runtime)
    loop = asyncio.get_running_loop()
    # The shopper's stream gets a deep buffer: under load a 60 ms one underflowed, cutting gaps into the shopper's
    # voice (the barge-in bench then could not subtract it from the ear's recording). Its latency is in no figure:
    # every time is read from the ear.
    shopper = SpeakerPlayback("vsink", RATE, loop=loop, latency=SHOPPER_LATENCY_S)
    ear = Ear()
    mic = MicrophoneCapture(loop, "vmic", RATE, 20, on_block=ear)
    await service.start()
    voice = service.loop
    try:
        if not voice.available:
            raise SystemExit(f"voice is unavailable: {voice.problem}")
        print(f"echo control: {voice.echo_mode}; end-of-speech silence {voice.config.vad_silence_ms} ms; barge-in "
              f"debounce {voice.config.barge_in_ms} ms; speaker latency {OUTPUT_LATENCY_S * 1000:.0f} ms (configured)")
        await shopper.astart()
        await mic.astart()
        await runtime.conversation.start_session()
        await asyncio.sleep(1.0)
        yield Kiosk(runtime, service, voice, shopper, ear, seen)
    finally:
        await mic.astop()
        await shopper.aclose()
        await service.stop()
        await runtime.close()


async def run(args: argparse.Namespace, data: Path) -> bool:
    trials = [Trial(i, *QUESTIONS[i % len(QUESTIONS)], VOICES[(i // len(QUESTIONS)) % len(VOICES)])
              for i in range(args.trials)]
    async with kiosk(data) as k:
        voice = k.voice
        current: dict[str, Any] = {}
        assert voice.output is not None
        original_play = voice.output.play

        def tagged_play(pcm: bytes, rate: int, tag: str) -> None:  # a tag of its own for each trial's answer
            trial = current.get("trial")
            if trial is not None and "tag" not in current:
                current["tag"] = f"{tag}/trial-{trial.index}"
                loud = above(np.frombuffer(pcm, dtype=np.int16))
                trial.lead_silence_s = loud[0] / rate if loud.size else 0.0
            original_play(pcm, rate, current.get("tag", tag))

        voice.output.play = tagged_play

        for trial in trials:
            await until(k.quiet, 40)
            await asyncio.sleep(0.8)
            current.clear()
            current["trial"] = trial
            pcm, rate = speech(trial.spoken, trial.voice, 160)
            trial.started_frame = k.ear.frames
            since = time.monotonic()
            k.shopper.play(at_rate(pcm, rate, RATE), tag=f"shopper-{trial.index}")
            await k.shopper.wait_drained(within=30)
            await until(lambda s=since: k.voice_turn(s) is not None, 8)
            message = k.voice_turn(since)
            if message is None:
                trial.problem = "not taken (no voice turn)"
                continue
            trial.heard = message.data["text"]
            heard = " ".join("".join(ch for ch in trial.heard.lower() if ch.isalnum() or ch in " '").split())
            if heard != trial.expected and (trial.expected.startswith(heard + " ") or len(k.voice_turns(since)) > 1):
                trial.problem = f"cut off: {trial.heard!r}"
                continue
            if heard != trial.expected:
                trial.problem = f"misrecognised as {trial.heard!r}"
                continue

            def device_started() -> float | None:
                tag = current.get("tag")
                return voice.playback.started_at(tag) if tag and voice.playback is not None else None

            if not await until(lambda: device_started() is not None, 15):
                trial.problem = "no spoken answer"
                continue
            trial.device_started = device_started()
            trial.timings = dict(voice.timings)
            await asyncio.sleep(0.4)  # the answer's first 400 ms reach the ear
        await until(k.quiet, 40)
        await asyncio.sleep(0.3)
    return report(trials, k.ear)


def measure(trial: Trial, stream: np.ndarray, ear: Ear) -> None:
    pcm, rate = speech(trial.spoken, trial.voice, 160)
    src = above(at_rate(pcm, rate, RATE))
    span = int(src[-1] - src[0])
    window = stream[trial.started_frame:]
    loud = above(window)
    if not loud.size:
        trial.problem = "question not heard by the ear"
        return
    onset = trial.started_frame + int(loud[0])
    near = above(stream[onset:onset + span + RATE // 10])
    end = onset + int(near[-1])
    if abs((end - onset) - span) > RATE // 50:
        trial.problem = f"question heard {(end - onset) / RATE:.2f} s long, played {span / RATE:.2f} s"
        return
    after = above(stream[end + RATE // 20:])
    if not after.size:
        trial.problem = "answer not heard by the ear"
        return
    answer = end + RATE // 20 + int(after[0])
    trial.total_ms = (answer - end) / RATE * 1000
    t_end, t_answer = ear.time_of(end), ear.time_of(answer)
    t = trial.timings
    steps = [("heard end -> VAD decision", t_end, t.get("speech_ended_at")),
             ("recognition (final)", t.get("speech_ended_at"), t.get("recognised_at")),
             ("agent: first text chunk", t.get("recognised_at"), t.get("reply_started_at")),
             ("agent: first sentence complete", t.get("reply_started_at"), t.get("sentence_ready_at")),
             ("synthesis (first sentence)", t.get("sentence_ready_at"), t.get("synthesized_at")),
             ("queued on the speaker", t.get("synthesized_at"), t.get("first_audio_at")),
             ("device takes the first sample", t.get("first_audio_at"), trial.device_started),
             ("device -> heard on vmic", trial.device_started, t_answer)]
    trial.parts = {name: (b - a) * 1000 if a is not None and b is not None else float("nan") for name, a, b in steps}


def report(trials: list[Trial], ear: Ear) -> bool:
    stream = ear.stream()
    for trial in trials:
        if not trial.problem:
            measure(trial, stream, ear)
    good = [t for t in trials if not trial_failed(t)]
    print(f"\ntrials: {len(trials)}, measured {len(good)}")
    for t in trials:
        figure = f"{t.total_ms:6.0f} ms" if not trial_failed(t) else "  --"
        print(f"  {t.index + 1:2d} {t.voice:<9} {t.spoken:<55} {figure}  {t.problem}")
    if not good:
        print("\nno trial could be measured: goals missed")
        return False
    totals = [t.total_ms for t in good]
    ours = [t.total_ms - t.timings.get("end_silence_ms", 500.0) for t in good]
    early = sum(t.timings.get("end_silence_ms", 500.0) < 500.0 for t in good)
    cut = sum(t.problem.startswith("cut off") for t in trials)
    print(f"\n  turns ended early (a whole grammar sentence): {early}/{len(good)}; questions cut off: {cut}")
    print(f"\n  {'question end -> answer heard (vmic)':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print(f"  {'total':<44} {pct(totals, 50):8.0f} {pct(totals, 95):8.0f} {max(totals):8.0f}")
    print(f"  {'ours (total - the end-of-speech silence waited)':<44} "
          f"{pct(ours, 50):8.0f} {pct(ours, 95):8.0f} {max(ours):8.0f}")
    mid = sorted(good, key=lambda t: t.total_ms)[(len(good) - 1) // 2]
    print(f"\n  the median trial ({mid.index + 1}, {mid.total_ms:.0f} ms), from VoiceLoop.timings:")
    for name, value in mid.parts.items():
        print(f"    {name:<40} {value:8.0f} ms")
    print(f"    {'(sum)':<40} {sum(mid.parts.values()):8.0f} ms   (vs {mid.total_ms:.0f} ms between the ear's samples)")
    print(f"    of the last step, leading silence in the synthesised audio: {mid.lead_silence_s * 1000:.0f} ms")
    print("  per step, median over all measured trials:")
    for name in mid.parts:
        print(f"    {name:<40} {median([t.parts[name] for t in good]):8.0f} ms")
    ok = True
    for key, values in (("total", totals), ("ours", ours)):
        met = pct(values, 50) <= GOALS_MS[key]
        ok = ok and met
        verdict = "met" if met else "MISSED"
        print(f"  goal {key} p50 <= {GOALS_MS[key]:.0f} ms: {verdict} (p50 {pct(values, 50):.0f} ms)")
    ok = ok and cut == 0
    print(f"  goal no question cut off: {'met' if cut == 0 else 'MISSED'} ({cut})")
    print("\nall goals met" if ok else "\nsome goals missed")
    return ok


def trial_failed(trial: Trial) -> bool:
    return bool(trial.problem) or np.isnan(trial.total_ms)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=9)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    offline_kiosk_environment()
    with virtual_device(), tempfile.TemporaryDirectory(prefix="aisle-bench-latency-") as tmp:
        ok = asyncio.run(run(args, Path(tmp)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
