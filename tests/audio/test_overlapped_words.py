"""Words spoken over Aisle's voice need a closer fit to the grammar before they become a turn.

The canceller's residue makes the grammar force an interruption onto other sentences, price filters and all ("tell
me more about the second one" → "looking for a bottles up to 20"): acting on that shows the shopper the wrong
shelf. A poor fit over Aisle's voice is asked again instead.
"""

from __future__ import annotations

from audio.listening import VoiceConfig, accept
from audio.recognizer import RecognitionResult


def heard(confidence: float, text: str = "looking for a bottle up to 20") -> RecognitionResult:
    return RecognitionResult(text=text, raw_text=text, audio_ms=1800.0, decode_ms=20.0, confidence=confidence)


def test_a_fit_good_enough_in_a_quiet_room_is_not_enough_over_aisle() -> None:
    config = VoiceConfig()
    assert accept(heard(-1.2), config)
    assert not accept(heard(-1.2), config, overlapped=True)


def test_a_close_fit_over_aisle_is_still_a_turn() -> None:
    assert accept(heard(-0.6, "tell me more about the second one"), VoiceConfig(), overlapped=True)


def test_over_aisle_the_stricter_of_the_two_floors_applies() -> None:
    config = VoiceConfig(min_confidence=-0.5, overlapped_min_confidence=-1.0)
    assert not accept(heard(-0.8), config, overlapped=True)
