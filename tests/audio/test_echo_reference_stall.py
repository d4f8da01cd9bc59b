"""The echo canceller's reference after the loudspeaker's stream stalls without saying so.

Under CPU starvation the output stream stopped for a second or two while the microphone went on, and neither an
underflow nor the converter times showed it: the pairing then asked for sound the speaker had not played yet, the
canceller got silence as its reference while the microphone heard Aisle, and Aisle's own voice passed for a
shopper's (it cut itself off mid-reply). An echo never comes before its sound, so such a pairing is wrong.
"""

from __future__ import annotations

import numpy as np

from audio.echo_reference import ClockedReference

RATE, N = 48000, 960  # 20 ms blocks
CLOCK_START = 100.0  # the stream clock when the streams started (0.0 would mean "no times")


class Room:
    """A speaker playing ``signal`` and a microphone hearing it ``offset`` frames later, block by block; the
    converter times are derived from the frame counts (so they cannot show a stall)."""

    def __init__(self, offset: int) -> None:
        self.signal = (np.random.default_rng(1).standard_normal(RATE * 8) * 3000).astype(np.int16)
        self.reference = ClockedReference(RATE, lead_ms=10)
        self.offset = offset  # microphone frame - output frame of the same instant
        self.out_frame = 0
        self.mic_frame = offset - 4 * N  # the microphone runs behind the speaker's writes
        self.echo_offset = offset  # microphone frame that hears output frame w: w + echo_offset

    def heard(self, frame: int) -> np.ndarray:
        w = frame - self.echo_offset
        return self.signal[w:w + N] if 0 <= w <= self.signal.size - N else np.zeros(N, dtype=np.int16)

    def step(self, speaker_runs: bool = True) -> tuple[np.ndarray, int]:
        """One block: the speaker plays (unless stalled) and the microphone captures; (reference given, mic frame)."""
        if speaker_runs:
            w = self.out_frame
            self.reference.push(self.signal[w:w + N], w, CLOCK_START + w / RATE)
            self.out_frame += N
        c = self.mic_frame
        mic = self.heard(c) if speaker_runs else np.zeros(N, dtype=np.int16)
        got = self.reference.take(N, c, CLOCK_START + (c - self.offset) / RATE, mic)
        self.mic_frame += N
        return got, c

    def stall(self, blocks: int) -> None:
        """The speaker's stream stops for ``blocks`` while the microphone goes on; what it plays afterwards reaches
        the microphone that much later, and nothing reports it."""
        for _ in range(blocks):
            self.step(speaker_runs=False)
        self.echo_offset += blocks * N


def lined_up(room: Room, got: np.ndarray, mic_frame: int) -> bool:
    """Whether ``got`` is the sound the microphone hears in that block, led by 5-15 ms (the pairing's lead)."""
    w = mic_frame - room.echo_offset
    return any(np.array_equal(got, room.signal[w + lead:w + lead + N]) for lead in range(240, 721))


def test_after_a_silent_stall_the_reference_finds_the_echo_again() -> None:
    room = Room(offset=3000)
    blocks = [room.step() for _ in range(60)]
    assert all(lined_up(room, got, c) for got, c in blocks[20:])
    assert room.reference.verified

    room.stall(blocks=75)  # 1.5 s
    after = [room.step() for _ in range(150)]
    assert all(lined_up(room, got, c) for got, c in after[-25:]), "the reference is Aisle's sound again"
    assert room.reference.verified, "the signals confirmed the new pairing"
    assert room.reference.stalls >= 1


def test_until_it_is_found_again_the_pairing_is_not_trusted() -> None:
    room = Room(offset=3000)
    for _ in range(60):
        room.step()
    room.stall(blocks=75)
    trusted = []
    for _ in range(150):
        got, c = room.step()
        trusted.append((room.reference.trusted, lined_up(room, got, c)))
    # every block the echo control took on trust had the right reference; none paired Aisle's voice with silence
    assert all(right for is_trusted, right in trusted if is_trusted)
    assert any(is_trusted for is_trusted, _ in trusted)


def test_a_steady_pairing_is_never_taken_for_a_stall() -> None:
    room = Room(offset=3000)
    for _ in range(300):
        room.step()
    assert room.reference.stalls == 0 and room.reference.resyncs == 0
