"""Echo suppression of Aisle's own voice on the virtual loopback, per echo mode: does the kiosk hear itself?

The real kiosk runs — `build_runtime` (offline brain, demo catalog, a temporary data directory) and `VoiceService`
on the private virtual sound card of `bench_voice_common.virtual_device()`, where everything played into `vsink` is
heard on `vmic`: Aisle's voice reaches the microphone at 0 dB echo return loss, with no room noise and nobody else
speaking. For each echo mode ("aec", "off", "half-duplex") a fresh kiosk is built and Aisle is made to speak a long
reply (`submit_text("show me sleeping bags")`, ~17 s) `--replies` times in a row.

`VoiceLoop._echo_control` is wrapped on the instance: for every 20 ms block it records the raw microphone block and
the loop's two outputs — the first goes to the VAD, the second to recognition (and to a listening brain). The AEC
path delays its outputs by the canceller's own latency (`EchoCanceller.latency_samples`), so the streams are
re-aligned by that many samples before energies are compared.

Figures, per mode and per output:
- ERLE (echo return loss enhancement) = 10*log10(energy raw / energy out), summed over the blocks where Aisle was
  audible (raw above `AUDIBLE_DBFS`), per 0.5 s window; the median and the 10th percentile (the bad end) of those
  windows over all replies, separately for the first second of each reply (the canceller converging, or re-adapting
  after the silence between replies) and for the rest. "mute" means the output was exactly zero (gated).
- The practical figures: how often the loop's VAD went into speech during a reply (`voice._vad.in_speech` going
  False → True), and whether Aisle's own voice became a voice turn (`shopper_message` with source "voice") or a
  barge-in (`VoiceLoop._barge_in` called / `timings["barge_in_at"]` set) — either one is the kiosk answering or
  interrupting itself.

Goals (exit status 1 when missed): with "aec", no voice turn and no barge-in from Aisle's own voice and a recognition
ERLE median (after the first second) of at least `GOAL_ERLE_DB`; with "half-duplex", no voice turn and no barge-in.
"off" is measured for reference (0 dB by definition). A one-line recommendation for the default mode follows.

    .venv/bin/python bench/bench_voice_echo.py [--replies 3] [--modes aec,off,half-duplex] [--question TEXT]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import math
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from bench_voice_common import REPO, median, offline_kiosk_environment, pct, virtual_device

offline_kiosk_environment()

RATE = 48000
BLOCK = RATE // 50  # 20 ms
WINDOW_BLOCKS = 25  # 0.5 s
MIN_AUDIBLE_IN_WINDOW = 5  # a window counts when Aisle was audible in at least 100 ms of it
AUDIBLE_DBFS = -50.0
CONVERGE_S = 1.0
TAIL_S = 1.2  # after the reply: the echo tail and the VAD's end-of-speech silence
REPLY_LIMIT_S = 30.0
GOAL_ERLE_DB = 30.0
QUESTION = "show me sleeping bags"


@dataclass
class Reply:
    mode: str
    raw: np.ndarray  # the microphone, aligned with the outputs
    vad: np.ndarray
    rec: np.ndarray
    spoke_s: float
    vad_onsets: int
    vad_speech_s: float
    voice_turns: list[str]
    barge_ins: int
    gated_blocks: int
    reference: str = ""  # the AEC reference's pairing at the end of the reply (delay, resyncs so far)


@dataclass
class Recorder:
    """What `_echo_control` saw and returned, block by block."""

    raw: list[np.ndarray] = field(default_factory=list)
    vad: list[np.ndarray] = field(default_factory=list)
    rec: list[np.ndarray] = field(default_factory=list)
    in_speech: list[bool] = field(default_factory=list)  # the VAD's state before the block was fed
    on: bool = False

    def clear(self) -> None:
        self.raw.clear()
        self.vad.clear()
        self.rec.clear()
        self.in_speech.clear()


async def until(condition: Callable[[], bool], deadline: float) -> bool:
    """Poll ``condition`` (state owned by the audio callbacks, which signal nothing) until it holds or time is up."""
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def played(voice: object, first_reply: int) -> int:
    """Samples the speaker has played of the replies from number ``first_reply`` on (each reply has its own tag,
    ``reply-<n>``)."""
    playback = getattr(voice, "playback", None)
    if playback is None:
        return 0
    return sum(playback.played_samples_for(f"reply-{n}") for n in range(first_reply, voice._replies + 1))


def pairing(voice: object) -> str:
    """The echo reference's measured delay and re-synchronisations (diagnostics; "" without AEC)."""
    reference = getattr(getattr(voice, "echo", None), "reference", None)
    if reference is None:
        return ""
    delay = getattr(reference, "delay_ms", None)
    delay_text = f"{delay:.1f} ms" if isinstance(delay, float | int) else "?"
    return f"ref delay {delay_text}, resyncs {getattr(reference, 'resyncs', '?')}"


def dbfs(x: np.ndarray) -> float:
    return 10 * math.log10(float(np.mean(x.astype(np.float64) ** 2)) / 32768.0 ** 2 + 1e-12)


def erle(raw_energy: float, out_energy: float) -> float:
    return math.inf if out_energy <= 0 else 10 * math.log10(raw_energy / out_energy)


async def run_mode(mode: str, replies: int, question: str, data_root: Path) -> list[Reply]:
    from app.compose.runtime import build_runtime
    from app.events import EventKind
    from app.settings import load_settings
    from audio.service import VoiceService

    data = data_root / mode
    data.mkdir(parents=True)
    catalog = data / "catalog.db"
    shutil.copyfile(REPO / "catalog.db", catalog)
    settings = load_settings({"data_dir": data / "data", "catalog": catalog}, environ={})
    settings = settings.replace(input_device="vmic", output_device="vsink", echo_mode=mode)
    runtime = build_runtime(settings)
    turns: list[tuple[float, str]] = []

    def on_event(event: object) -> None:
        kind, payload = getattr(event, "kind", None), getattr(event, "data", {})
        if kind is EventKind.SHOPPER_MESSAGE and payload.get("source") == "voice":
            turns.append((time.monotonic(), str(payload.get("text"))))

    runtime.bus.subscribe(on_event)
    service = VoiceService(runtime)
    voice = service.loop
    out: list[Reply] = []
    try:
        await service.start()
        if not voice.available:
            raise SystemExit(f"voice is not available on the virtual device: {voice.problem}")
        if voice.echo_mode != mode:
            raise SystemExit(f"asked for echo mode {mode!r}, the loop chose {voice.echo_mode!r}")
        rec = Recorder()
        original = voice._echo_control
        barge_ins: list[float] = []
        original_barge = voice._barge_in

        def observed(block):  # type: ignore[no-untyped-def]
            first, second = original(block)
            if rec.on:
                rec.raw.append(block.pcm.copy())
                rec.vad.append(np.array(first, dtype=np.int16, copy=True))
                rec.rec.append(np.array(second, dtype=np.int16, copy=True))
                rec.in_speech.append(bool(voice._vad.in_speech))
            return first, second

        def barge() -> None:
            barge_ins.append(time.monotonic())
            original_barge()

        voice._echo_control = observed  # type: ignore[method-assign]
        voice._barge_in = barge  # type: ignore[method-assign]
        await runtime.conversation.start_session()
        await asyncio.sleep(1.0)  # the devices run, the canceller has seen nothing yet
        lag = voice._aec.latency_samples if voice.echo_mode == "aec" and voice._aec is not None else 0
        for _ in range(replies):
            rec.clear()
            rec.on = True
            since = time.monotonic()
            gated0 = voice.echo_gated_blocks + voice._gate.muted_blocks
            first_reply = voice._replies + 1  # the question's reply, and any Aisle gives itself after it
            n_barge = len(barge_ins)
            await runtime.conversation.submit_text(question)
            deadline = since + REPLY_LIMIT_S  # with "off" Aisle may go on answering itself
            await until(lambda: voice.playback is not None and voice.playback.is_playing, since + 15)
            await until(lambda: voice.playback is None or not voice.playback.is_playing, deadline)
            await asyncio.sleep(TAIL_S)
            rec.on = False
            spoke = played(voice, first_reply) / RATE
            raw, vad, recog = (np.concatenate(x) if x else np.zeros(0, np.int16) for x in (rec.raw, rec.vad, rec.rec))
            if lag:
                raw, vad, recog = raw[:raw.size - lag], vad[lag:], recog[lag:]
            states = [*rec.in_speech, bool(voice._vad.in_speech)]
            onsets = sum(1 for a, b in itertools.pairwise(states) if b and not a)
            timed_barge = voice.timings.get("barge_in_at")
            n_barges = max(len(barge_ins) - n_barge, int(timed_barge is not None and timed_barge >= since))
            gated = voice.echo_gated_blocks + voice._gate.muted_blocks - gated0
            out.append(Reply(mode, raw, vad, recog, spoke, onsets, sum(states[1:]) * BLOCK / RATE,
                             [t for at, t in turns if at >= since], n_barges, gated, pairing(voice)))
            # the next question cuts off whatever Aisle still says (with "off" it may be answering itself)
    finally:
        await service.stop()
        await runtime.close()
    return out


@dataclass
class Figures:
    first: list[float]  # ERLE per 0.5 s window, first second of each reply
    rest: list[float]  # the rest
    total_first: float  # ERLE of the energy over all audible blocks in the first seconds
    total_rest: float  # the same after the first second


def figures(replies: list[Reply], output: str) -> Figures:
    first: list[float] = []
    rest: list[float] = []
    raw_sum = out_sum = raw_first = out_first = 0.0
    for r in replies:
        out = r.vad if output == "vad" else r.rec
        n = min(r.raw.size, out.size) // BLOCK
        if not n:
            continue
        raw_e = np.mean(r.raw[:n * BLOCK].astype(np.float64).reshape(n, BLOCK) ** 2, axis=1)
        out_e = np.mean(out[:n * BLOCK].astype(np.float64).reshape(n, BLOCK) ** 2, axis=1)
        audible = 10 * np.log10(raw_e / 32768.0 ** 2 + 1e-12) > AUDIBLE_DBFS
        if not audible.any():
            continue
        onset = int(np.argmax(audible))  # Aisle is first heard here
        converge = onset + int(CONVERGE_S * 50)
        for part, lo, hi in ((first, onset, converge), (rest, converge, n)):
            for w in range(lo, hi, WINDOW_BLOCKS):
                sel = audible[w:min(hi, w + WINDOW_BLOCKS)]
                if sel.sum() >= MIN_AUDIBLE_IN_WINDOW:
                    part.append(erle(float(raw_e[w:w + sel.size][sel].sum()), float(out_e[w:w + sel.size][sel].sum())))
        late = audible.copy()
        late[:converge] = False
        early = audible & ~late
        raw_first += float(raw_e[early].sum())
        out_first += float(out_e[early].sum())
        raw_sum += float(raw_e[late].sum())
        out_sum += float(out_e[late].sum())
    return Figures(first, rest, erle(raw_first, out_first) if raw_first else math.nan,
                   erle(raw_sum, out_sum) if raw_sum else math.nan)


def fmt(value: float) -> str:
    if math.isnan(value):
        return "-"
    return "mute" if math.isinf(value) else f"{value:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=3, help="long replies per echo mode")
    parser.add_argument("--modes", default="aec,off,half-duplex")
    parser.add_argument("--question", default=QUESTION, help="typed question whose reply Aisle speaks")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    results: dict[str, list[Reply]] = {}
    started = time.monotonic()
    data_root = Path(tempfile.mkdtemp(prefix="aisle-bench-echo-"))
    try:
        with virtual_device():
            for mode in modes:
                results[mode] = asyncio.run(run_mode(mode, args.replies, args.question, data_root))
    finally:
        shutil.rmtree(data_root, ignore_errors=True)

    print(f"Echo of Aisle's own voice on the virtual loopback (0 dB echo return loss), {args.replies} replies per mode "
          f"to {args.question!r}; ERLE in dB over blocks with the raw microphone above {AUDIBLE_DBFS:.0f} dBFS, "
          f"per 0.5 s window")
    print()
    print(f"{'mode':<12} {'output':<12} {'spoken s':>8} {'raw dBFS':>8} {'1st s med':>9} {'1st s p10':>9} "
          f"{'after med':>9} {'after p10':>9} {'after all':>9}")
    print(f"{'':<12} {'':<12} {'':>8} {'':>8} {'(windows of 0.5 s)':>19} {'(windows of 0.5 s)':>19} {'(energy)':>9}")
    ok = True
    practical: dict[str, tuple[int, int, int]] = {}
    erle_after: dict[str, float] = {}
    for mode, replies in results.items():
        spoken = sum(r.spoke_s for r in replies)
        raw_all = np.concatenate([r.raw for r in replies]) if replies else np.zeros(1, np.int16)
        loud = [r.raw[i:i + BLOCK] for r in replies for i in range(0, r.raw.size - BLOCK + 1, BLOCK)]
        loud = [b for b in loud if dbfs(b) > AUDIBLE_DBFS]
        raw_level = dbfs(np.concatenate(loud)) if loud else dbfs(raw_all)
        for output in ("recognition", "vad"):
            f = figures(replies, "vad" if output == "vad" else "rec")
            print(f"{mode:<12} {output:<12} {spoken:>8.1f} {raw_level:>8.1f} {fmt(median(f.first)):>9} "
                  f"{fmt(pct(f.first, 10) if f.first else math.nan):>9} {fmt(median(f.rest)):>9} "
                  f"{fmt(pct(f.rest, 10) if f.rest else math.nan):>9} {fmt(f.total_rest):>9}")
            if output == "recognition":
                erle_after[mode] = median(f.rest)
        practical[mode] = (sum(r.vad_onsets for r in replies), sum(len(r.voice_turns) for r in replies),
                           sum(r.barge_ins for r in replies))
    print()
    print("per reply (ERLE of the recognition output, energy over the audible blocks; gated blk: blocks the loop "
          "silenced)")
    print(f"{'mode':<12} {'reply':>5} {'spoken s':>8} {'gated blk':>9} {'VAD onsets':>10} {'VAD speech s':>12} "
          f"{'barge-ins':>9} {'ERLE 1st s':>10} {'ERLE after':>10}  voice turns (Aisle heard itself)")
    for mode, replies in results.items():
        for i, r in enumerate(replies, 1):
            f = figures([r], "rec")
            print(f"{mode:<12} {i:>5} {r.spoke_s:>8.1f} {r.gated_blocks:>9} {r.vad_onsets:>10} {r.vad_speech_s:>12.1f} "
                  f"{r.barge_ins:>9} {fmt(f.total_first):>10} {fmt(f.total_rest):>10}  {r.voice_turns or '-'}"
                  + (f"  ({r.reference})" if r.reference else ""))
    print()
    for mode, (onsets, turns, barges) in practical.items():
        verdict = "heard itself" if turns or barges else "did not hear itself"
        print(f"{mode:<12} VAD onsets {onsets}, voice turns {turns}, barge-ins {barges}: {verdict}")
        if mode in ("aec", "half-duplex") and (turns or barges):
            print(f"  goal missed: with {mode!r} Aisle's own voice must not become a turn or a barge-in")
            ok = False
    if "aec" in erle_after and not erle_after["aec"] >= GOAL_ERLE_DB:
        print(f"  goal missed: AEC recognition ERLE median after the first second {fmt(erle_after['aec'])} dB "
              f"< {GOAL_ERLE_DB:.0f} dB")
        ok = False

    aec_clean = "aec" in practical and practical["aec"][1] == 0 and practical["aec"][2] == 0
    hd_clean = "half-duplex" in practical and practical["half-duplex"][1] == 0 and practical["half-duplex"][2] == 0
    if aec_clean and erle_after.get("aec", 0.0) >= GOAL_ERLE_DB:
        advice = "keep the default 'auto' (AEC when available): no self-turns or self-barge-ins, and barge-in works"
    elif aec_clean:
        advice = ("keep 'auto' (AEC) with care: the loop's gating kept Aisle from hearing itself, but the canceller's "
                  "own suppression is below the goal")
    elif hd_clean and "aec" in practical:
        advice = ("make 'half-duplex' the default until AEC stops hearing itself (no barge-in then, but no "
                  "self-triggered turns)")
    elif hd_clean:
        advice = "AEC was not measured (--modes); half-duplex kept Aisle from hearing itself"
    else:
        advice = "no mode kept Aisle from hearing itself: neither AEC nor half-duplex is safe as measured"
    print()
    print(f"Recommendation: {advice}.")
    print(f"({time.monotonic() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
