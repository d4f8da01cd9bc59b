"""Lining up what the speaker played with what the microphone heard, for the echo canceller.

:class:`ClockedReference` pairs each microphone block with the speaker's reference that reaches the loudspeaker just
before its echo, by PortAudio's converter times, checked against the signals themselves (:func:`estimate_echo_delay`).
:class:`ReferenceBuffer` pairs blocks in arrival order (the fallback when a host API gives no times).
"""

from __future__ import annotations

import collections
import logging

import numpy as np

log = logging.getLogger("aisle.audio.echo")


class ReferenceBuffer:
    """Lines up the speaker's reference tap with microphone blocks for :class:`EchoCanceller`.

    ``push`` every block from ``SpeakerPlayback(on_played=...)`` (resampled here when the speaker runs at another
    rate), ``take(len(mic_block))`` for each microphone block; both on the event loop. Pairing blocks in order like
    this leaves the reference a few milliseconds ahead of its echo when both streams run continuously, which is
    what the canceller needs (hence its ``stream_delay_ms=0`` default).

    If the speaker started well before the microphone, the backlog would make the reference arrive after its echo
    and nothing would be cancelled: a backlog that stays above ``max_backlog_ms`` for a whole second is cut back to
    ``keep_ms`` once (short bursts of output callbacks, up to ~80 ms here, are left alone).
    """

    def __init__(self, rate: int, speaker_rate: int | None = None, *, max_backlog_ms: int = 60, keep_ms: int = 20,
                 window_ms: int = 1000) -> None:
        from audio.resample import StreamResampler

        self.rate = rate
        self._resampler = StreamResampler(speaker_rate, rate) if speaker_rate and speaker_rate != rate else None
        self._max_backlog = rate * max_backlog_ms // 1000
        self._keep = rate * keep_ms // 1000
        self._window = rate * window_ms // 1000
        self._buf = np.zeros(0, dtype=np.int16)
        self._low: int | None = None
        self._seen = 0
        self.dropped_samples = 0

    def push(self, block: np.ndarray) -> None:
        samples = np.asarray(block, dtype=np.int16).reshape(-1)
        if self._resampler is not None:
            samples = self._resampler.process(samples)
        self._buf = np.concatenate([self._buf, samples])

    def take(self, n: int) -> np.ndarray:
        spare = self._buf.size - n
        self._low = spare if self._low is None else min(self._low, spare)
        self._seen += n
        if self._seen >= self._window:
            if self._low > self._max_backlog:
                cut = self._low - self._keep
                self._buf = self._buf[cut:]
                self.dropped_samples += cut
            self._low = None
            self._seen = 0
        out = np.zeros(n, dtype=np.int16)
        have = min(n, self._buf.size)
        out[:have] = self._buf[:have]
        self._buf = self._buf[have:]
        return out

    @property
    def buffered(self) -> int:
        return int(self._buf.size)


_AUDIBLE = 600  # peak (int16) from which a speaker block counts as sound for the pairing check


STALL_AHEAD_S = 0.1  # a microphone block asking for reference this far past what was played ...
STALL_BLOCKS = 3  # ... this many blocks in a row: the output stream stalled
STALL_MARGIN_S = 0.06  # after a stall, first look for the echo this far behind the newest sound played
# A stream restarted after a reported glitch (a barge-in aborts the speaker's stream to drop what it holds) refills its
# buffer in bursts: on the virtual card no block for 150-300 ms, then 7-17 at once. Not a stall, for this long after.
STALL_GRACE_S = 1.0
# A pairing that still asks for sound past what the speaker reported this long after the grace is wrong, however
# little it asks ahead (converter times came back 60-80 ms off after glitches): the signal check waits for reports
# that will never come, so the pairing moves back like a stall's and the signals find the echo.
AHEAD_FOR_GOOD_S = 1.0
# The signal check never pairs a microphone block with sound the speaker was handed more than this after it.
CHECK_AHEAD_S = 0.02
# A verified pairing stays while the signals put the echo up to this much later than assumed (the canceller's filter
# covers it), or earlier by less than the pairing's lead (the reference still comes first). The estimate wobbles by a
# voice's pitch period (~9 ms for Aisle's voice), and every move costs a fresh canceller and a second of deafness.
HOLD_LATER_S = 0.02


class ClockedReference:
    """Pairs the speaker's reference with microphone blocks by PortAudio's converter times, not by arrival order.

    Pairing blocks in the order the callbacks happen to reach the event loop (:class:`ReferenceBuffer`) leaves the
    echo path's delay to chance: on the virtual sound card it came out anywhere between ~5 ms of lead and a few ms
    of *lag*, and a reference that arrives after its echo cannot be cancelled (AEC3 then diverged in about half the
    live runs). Here each speaker block comes with its position in the output stream and the time its first sample
    reaches the converter (``SpeakerPlayback(on_played_at=ref.push)``), each microphone block with the time its first
    sample was captured (``AudioBlock.adc_time``). Both are on PortAudio's stream clock, so the microphone frame that
    hears a given speaker frame is known (``offset``, a median over the first blocks; on the virtual card within
    0.3 ms of the true offset found with clicks). ``take`` hands the canceller, with each microphone sample, the
    reference that reaches the speaker ``lead_ms`` later: the echo then always follows its reference by a small,
    steady delay.

    Both streams run on one clock, so once set the pairing is kept sample for sample: the converter times wander by
    several milliseconds over seconds (measured: up to 5 ms off while the true offset, found with clicks, did not
    move), and now and then jump by tens or hundreds of milliseconds when another stream starts on the same sound
    server (the echo did not move); following them disturbed a converged canceller. The pairing is set again only
    after a glitch that really moves the echo (an output underflow or input overflow, reported with
    :meth:`note_glitch`), from the times seen after it, and only by up to ``max_move_ms``.

    The converter times can also be wrong by a steady amount: a host API that reports its buffer as latency when
    the device in fact plays (or, on a loopback, hands to the microphone) earlier. On the virtual card with a 60 ms
    output buffer they put the echo ~49 ms later than it was, so the reference reached the canceller *after* its
    echo and every word onset leaked through at full level. So, given the microphone's samples too (``take(...,
    mic=...)``), the pairing is checked against the signals themselves every ``check_every`` blocks while Aisle
    speaks: the delay that best lines up the microphone's and the reference's energy envelopes (1 ms steps, within
    ``search_ms`` of the current pairing; see :func:`estimate_echo_delay`). When that is confidently elsewhere, twice
    in a row, the pairing moves there (a re-synchronisation, like a glitch).

    Without usable times (0.0 from a host API that gives none) it falls back to pairing in order.
    """

    def __init__(self, rate: int, *, lead_ms: float = 10.0, settle_blocks: int = 10, max_move_ms: float = 200.0,
                 window: int = 64, keep_ms: int = 2500, check_every: int = 25, search_ms: float = 100.0,
                 guess_search_ms: float = 600.0, min_correlation: float = 0.7) -> None:
        self.rate = rate
        self.lead = round(rate * lead_ms / 1000)
        self.settle_blocks = settle_blocks
        self._max_move = round(rate * max_move_ms / 1000)
        self._out_obs: collections.deque[float] = collections.deque(maxlen=window)
        self._in_obs: collections.deque[float] = collections.deque(maxlen=window)
        self._keep = rate * keep_ms // 1000
        self._buf = np.zeros(0, dtype=np.int16)
        self._buf_start = 0  # output-stream frame index of _buf[0]
        self._shift: int | None = None  # reference frame = microphone frame - _shift
        self._pending_glitch = False
        self._ahead_blocks = 0  # microphone blocks in a row that asked for sound the speaker had not played yet
        self._ahead_since: int | None = None  # microphone frame since which every block asked for such sound
        self._grace_until: int | None = 0  # microphone frame before which no stall is watched for (None: set it)
        self.stalls = 0
        self.resyncs = 0
        self._fallback = ReferenceBuffer(rate)
        self._timed = True
        self._mic = np.zeros(0, dtype=np.int16)  # the latest microphone samples, for checking the pairing
        self._mic_start = 0
        self._check_every = check_every
        self._search = round(rate * search_ms / 1000)  # around a verified pairing
        self._guess_search = round(rate * guess_search_ms / 1000)  # around converter times (seen 0.5 s off)
        self._min_correlation = min_correlation
        self._blocks_since_check = 0
        self._candidate: int | None = None  # a delay found once, adopted when the next check agrees
        self._loud_until = 0  # output frame until which the speaker's recent sound is worth checking against
        # True once the signals confirmed the pairing; until then (and after a glitch) the echo path is a guess
        self.verified = False

    def note_glitch(self) -> None:
        """The output underflowed or the input overflowed: the echo path moved; measure it again."""
        self._out_obs.clear()
        self._in_obs.clear()
        self._pending_glitch = True
        self._grace_until = None  # from the next microphone block on
        self.verified = False

    def push(self, block: np.ndarray, start_frame: int, dac_time: float) -> None:
        samples = np.asarray(block, dtype=np.int16).reshape(-1)
        self._fallback.push(samples)
        if dac_time <= 0.0:
            self._timed = False
            return
        self._out_obs.append(dac_time * self.rate - start_frame)
        if samples.size and int(np.abs(samples).max()) >= _AUDIBLE:
            self._loud_until = start_frame + samples.size + self._keep  # worth checking the pairing until then
        if self._buf.size == 0 or start_frame != self._buf_start + self._buf.size:
            self._buf, self._buf_start = samples.copy(), start_frame  # first block, or the stream restarted
            self._ahead_blocks, self._ahead_since = 0, None
        else:
            self._buf = np.concatenate([self._buf, samples])
        excess = self._buf.size - self._keep
        if excess > 0:
            self._buf = self._buf[excess:]
            self._buf_start += excess

    @property
    def offset(self) -> float | None:
        """Microphone frame index minus output frame index of the same instant, from the converter times (None
        until both were seen)."""
        if not self._out_obs or not self._in_obs:
            return None
        return float(np.median(self._out_obs) - np.median(self._in_obs))

    def _resync(self, ideal: int, why: str) -> None:
        if self._shift is not None:
            log.info("echo reference re-synchronised (%s): the echo moved by %+.1f ms", why,
                     (ideal - self._shift) * 1000 / self.rate)
            self.resyncs += 1
        self._shift = ideal
        self._pending_glitch = False

    def take(self, n: int, start_frame: int = 0, adc_time: float = 0.0, mic: np.ndarray | None = None) -> np.ndarray:
        """The reference for the microphone block of ``n`` samples starting at ``start_frame`` captured at
        ``adc_time`` (``mic``: the block itself, to check the pairing against)."""
        if not self._timed or adc_time <= 0.0:
            return self._fallback.take(n)
        self._fallback.take(n)  # keep the fallback's queue from growing
        checking = mic is not None and self._buf.size > 0 and self._buf_start + self._buf.size < self._loud_until
        if checking:
            self._keep_mic(np.asarray(mic, dtype=np.int16).reshape(-1), start_frame)
        elif self._mic.size:
            self._mic = np.zeros(0, dtype=np.int16)  # Aisle has been quiet: nothing to compare (and no copying)
        self._in_obs.append(adc_time * self.rate - start_frame)
        offset = self.offset if self._shift is None or self._pending_glitch else None  # medians only when needed
        if offset is not None:
            ideal = round(offset) - self.lead
            settled = min(len(self._out_obs), len(self._in_obs)) >= self.settle_blocks
            if self._shift is None or self._pending_glitch:
                if settled:
                    if self._shift is not None and abs(ideal - self._shift) > self._max_move:
                        log.info("echo reference: ignoring converter times that moved by %.0f ms",
                                 (ideal - self._shift) * 1000 / self.rate)
                        self._pending_glitch = False
                    else:
                        if self._pending_glitch:
                            self._grace_until = None  # the restarted stream may still be refilling in bursts
                        self._resync(ideal, "after a glitch" if self._pending_glitch else "start")
        if self._shift is not None and checking:
            self._blocks_since_check += 1
            # an unconfirmed or doubted pairing is checked five times as often
            steady = self.verified and self._candidate is None
            if self._blocks_since_check >= (self._check_every if steady else max(1, self._check_every // 5)):
                self._blocks_since_check = 0
                self._check_pairing()
        out = np.zeros(n, dtype=np.int16)
        if self._shift is None:
            return out
        first = start_frame - self._shift - self._buf_start
        if self._grace_until is None:
            self._grace_until = start_frame + round(STALL_GRACE_S * self.rate)
        if start_frame >= self._grace_until:
            self._watch_for_stall(first + n - self._buf.size, start_frame)
        else:
            self._ahead_blocks, self._ahead_since = 0, None
        lo, hi = max(first, 0), min(first + n, self._buf.size)
        if hi > lo:
            out[lo - first:hi - first] = self._buf[lo:hi]
        return out

    def _watch_for_stall(self, ahead: int, start_frame: int) -> None:
        """``ahead``: how far past the last sample the speaker played the microphone's block asks for its reference.

        An echo never comes before its sound, so a pairing that keeps asking for sound not played yet is wrong: the
        output stream stalled without reporting an underflow (under CPU starvation, by 0.9-2.3 s), the microphone
        went on, and Aisle's echo met a silent reference and passed for a shopper's voice. The converter times did
        not show the stall either, so the pairing moves back by at least that much, unverified: the signal check
        then finds the echo within ``guess_search_ms`` of it, and until it has the microphone is not trusted."""
        assert self._shift is not None
        if ahead <= 0 or self._pending_glitch or ahead > self._keep:
            self._ahead_blocks, self._ahead_since = 0, None
            return
        self._ahead_blocks = self._ahead_blocks + 1 if ahead > STALL_AHEAD_S * self.rate else 0
        if self._ahead_since is None:
            self._ahead_since = start_frame
        stalled = self._ahead_blocks >= STALL_BLOCKS
        if stalled or start_frame - self._ahead_since >= AHEAD_FOR_GOOD_S * self.rate:
            self._ahead_blocks, self._ahead_since = 0, None
            if stalled:
                self.stalls += 1
            self.verified = False
            self._candidate = None
            self._resync(self._shift + ahead + round(STALL_MARGIN_S * self.rate),
                         "the output stream stalled" if stalled else "the pairing asked for sound not played yet")

    @property
    def trusted(self) -> bool:
        """Whether the echo path is known: confirmed by the signals and not in doubt (the last check put the echo
        elsewhere: the pairing moves when the next agrees), or paired in order (no times to go by). A doubted pairing
        was often already wrong: the echo path had moved ~50 ms, the canceller leaked Aisle's voice, and that
        passed for a shopper talking over it (Aisle interrupted itself) before the second check moved the pairing."""
        return (self.verified and self._candidate is None) or not self._timed

    def _keep_mic(self, samples: np.ndarray, start_frame: int) -> None:
        if self._mic.size == 0 or start_frame != self._mic_start + self._mic.size:
            self._mic, self._mic_start = samples.copy(), start_frame
        else:
            self._mic = np.concatenate([self._mic, samples])
        excess = self._mic.size - self._keep
        if excess > 0:
            self._mic = self._mic[excess:]
            self._mic_start += excess

    def _check_pairing(self) -> None:
        """Compare the pairing with the delay the signals show; move it when they confidently disagree twice."""
        assert self._shift is not None
        current = self._shift + self.lead  # the echo delay (microphone frame - output frame) now assumed
        recent = self._mic[-self.rate:]  # the last second: Aisle's first words count before the window fills
        search = self._search if self.verified else self._guess_search
        # Speech repeats itself (a syllable, a list read out), so the envelopes can also line up a repetition early:
        # an echo before its sound, pairing the microphone with sound not played yet. Taken, that was a wrong pairing
        # the next check verified, or a "stall" moved back, found again, moved back... (no barge-in for good).
        newest = self._mic_start + self._mic.size
        played = self._buf_start + self._buf.size
        if newest - self._shift > played:
            return  # the speaker has not reported what the microphone heard yet (a restart's bursts): no say yet
        earliest = newest + self.lead - played - round(CHECK_AHEAD_S * self.rate)
        found = estimate_echo_delay(recent, newest - recent.size, self._buf, self._buf_start, current, search,
                                    self.rate, self._min_correlation, earliest=earliest)
        if found is None:
            return
        if abs(found - current) <= self.rate // 500 or (
                self.verified and -self.lead < found - current <= round(HOLD_LATER_S * self.rate)):
            self._candidate = None  # the pairing holds
            self.verified = True
            return
        # A verified pairing moves only when two checks in a row agree; a guess is replaced at once (and verified by
        # the next check).
        if not self.verified or (self._candidate is not None and abs(found - self._candidate) <= self.rate // 500):
            self._candidate = None
            self.verified = False
            self._resync(found - self.lead, "the signals put the echo elsewhere")
        else:
            self._candidate = found

    @property
    def delay_ms(self) -> float | None:
        """How long after its reference the echo reaches the canceller by the converter times (≈ ``lead_ms``)."""
        offset = self.offset
        if offset is None or self._shift is None:
            return None
        return (offset - self._shift) * 1000 / self.rate


def estimate_echo_delay(mic: np.ndarray, mic_start: int, out: np.ndarray, out_start: int, center: int, search: int,
                        rate: int, min_correlation: float = 0.7, chunk_ms: float = 5.0,
                        earliest: int | None = None) -> int | None:
    """The echo delay (microphone frame index minus output frame index of the same sound) that best lines up the
    two signals' energy envelopes, searched within ``search`` samples of ``center``; None when the signals do not
    say (too little of Aisle's voice in the window, a talker over it, or no clear peak). Not below ``earliest``.

    Envelopes: RMS over ``chunk_ms`` pieces of the microphone, against the output's RMS over the same pieces
    shifted by each candidate delay (from a cumulative sum, so a candidate costs one lookup per piece); the score is
    their correlation coefficient. Candidates 5 ms apart first, then 1 ms apart around the best (~1-2 ms of work).
    """
    chunk = max(1, round(rate * chunk_ms / 1000))
    pieces = mic.size // chunk
    if pieces < 50 or out.size < chunk:
        return None
    m = mic[: pieces * chunk].astype(np.float64).reshape(pieces, chunk)
    mic_env = np.sqrt(np.mean(m * m, axis=1))
    energy = np.concatenate([[0.0], np.cumsum(out.astype(np.float64) ** 2)])
    piece_starts = mic_start + np.arange(pieces) * chunk - out_start
    loud_rms = 32768 * 10 ** (-45 / 20)

    def scores(delays: np.ndarray) -> np.ndarray:
        starts = piece_starts[None, :] - delays[:, None]  # where each piece's sound sits in ``out``
        w = ((starts >= 0) & (starts + chunk <= out.size)).astype(np.float64)
        clipped = np.clip(starts, 0, out.size - chunk)
        out_env = np.sqrt(np.maximum(energy[clipped + chunk] - energy[clipped], 0.0) / chunk)
        count = np.maximum(w.sum(axis=1), 1.0)
        mean_a, mean_b = (w * mic_env).sum(axis=1) / count, (w * out_env).sum(axis=1) / count
        da, db = (mic_env[None, :] - mean_a[:, None]) * w, (out_env - mean_b[:, None]) * w
        norm = np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))
        result = np.where(norm > 0, (da * db).sum(axis=1) / np.maximum(norm, 1e-12), -1.0)
        loud_share = (w * (out_env > loud_rms)).sum(axis=1) / count
        # too little to compare with, or Aisle hardly audible in the window: no say
        result[(w.sum(axis=1) < pieces * 0.8) | (loud_share < 0.2)] = -1.0
        return result

    low = center - search if earliest is None else max(center - search, earliest)
    coarse = np.arange(low, center + search + 1, chunk)
    if not coarse.size:
        return None
    rough = int(coarse[int(np.argmax(scores(coarse)))])
    fine = np.arange(max(rough - chunk, low), rough + chunk + 1, max(1, rate // 1000))
    fine_scores = scores(fine)
    best = int(np.argmax(fine_scores))
    if fine_scores[best] < min_correlation:
        return None
    return int(fine[best])
