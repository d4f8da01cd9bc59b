"""What the voice loop hears: its settings, one recognised utterance, and the two-pass decision.

Recognition is two-pass. The catalog grammar (pocketsphinx, ~20 ms) decodes every utterance as it is spoken. Its
final text becomes the turn when it fits the grammar well (`RecognitionResult.confidence` at or above
`VoiceConfig.neural_below`) and was said by a voice. Otherwise — rejected, or a poor fit — the neural recogniser
(Whisper, :mod:`audio.neural`) transcribes the same audio, and its text, when it passes the hallucination gates,
becomes the turn. Without the neural recogniser (not installed, not loaded yet, turned off), the grammar's verdict
stands (`min_confidence`).

:func:`transcribe` runs this listening path over a recording, without a device (tests, the WER benchmark).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.settings import Settings
from audio.neural import NeuralRecognizer
from audio.recognizer import RecognitionResult, SpeechRecognizer
from audio.resample import StreamResampler
from audio.vad import VoiceActivityDetector, voicing

log = logging.getLogger("aisle.audio.voice")

DEVICE_RATE = 48000
BLOCK_MS = 20
PREROLL_MS = 300


@dataclass(frozen=True)
class VoiceConfig:
    input_device: str = ""
    output_device: str = ""
    vad_aggressiveness: int = 2
    vad_start_ms: int = 200
    vad_silence_ms: int = 500
    # Grammar-aware end of turn: when the partial result is already a whole sentence of the grammar, this much
    # silence ends the turn (else vad_silence_ms). 0 turns it off.
    early_end_ms: int = 240
    barge_in_ms: int = 300
    echo_mode: str = "auto"  # auto | aec | half-duplex | off
    half_duplex_tail_ms: int = 250
    push_to_talk: bool = False
    tts_voice: str = "en-us"
    tts_rate_wpm: int = 175
    device_retry_s: float = 3.0
    # A final recognition whose fit to the grammar is below this (RecognitionResult.confidence: path score per frame
    # x1000 against a free phone loop) is noise or off-topic talk forced onto the grammar, not a turn. Correct
    # requests measured -1.2..+1.0, out-of-grammar sentences -1.8..-2.0 (bench/bench_voice_wer.py, tests).
    min_confidence: float = -1.4
    # The same for words spoken over Aisle's voice (a barge-in): the canceller's residue makes the grammar force them
    # onto other sentences, price filters and all ("tell me more about the second one" → "looking for a bottles up to
    # 20"). On bench/bench_voice_bargein.py (2026-12-03, 27 interruptions) the right readings scored -0.08..-1.05 (one
    # below -1.0), the wrong ones -0.59..-1.28 (7 of 14 below -1.0). Below this the shopper is asked to say it again.
    overlapped_min_confidence: float = -1.0
    # Share of an utterance's audible 40 ms frames that must have a pitch (a voice) for it to be a turn; the same for
    # the speech that would interrupt Aisle (webrtcvad alone takes a fan's hiss or clatter for speech).
    min_voicing: float = 0.15
    # The neural second pass: Whisper model ("tiny.en" | "base" | "" = off), where its assembled weights are kept,
    # and the grammar confidence below which it is asked. On 20 free-form sentences (espeak-ng and Piper voices) the
    # grammar's forced readings scored at most -0.80, 28 clean catalog requests at least -0.70.
    neural_model: str = "tiny.en"
    model_cache_dir: str = ""
    neural_below: float = -0.75

    @classmethod
    def from_settings(cls, settings: Settings) -> VoiceConfig:
        return cls(
            input_device=settings.input_device, output_device=settings.output_device,
            vad_aggressiveness=settings.vad_aggressiveness, vad_start_ms=settings.vad_start_ms,
            vad_silence_ms=settings.vad_silence_ms, barge_in_ms=settings.barge_in_ms, echo_mode=settings.echo_mode,
            push_to_talk=settings.push_to_talk, tts_voice=settings.tts_voice, tts_rate_wpm=settings.tts_rate_wpm,
            early_end_ms=settings.vad_early_end_ms, neural_model=settings.neural_model,
            model_cache_dir=str(settings.data_dir / "models"),
        )


@dataclass(frozen=True)
class Transcript:
    """One recognised utterance."""

    text: str  # numbers as digits (grammar) or as Whisper wrote it (neural): what becomes the turn
    raw: str  # as decoded (number words) or Whisper's text
    confidence: float
    accepted: bool  # False: dropped as noise
    audio_ms: float
    decode_ms: float
    voicing: float = 1.0  # share of audible frames with a pitch
    source: str = "grammar"  # grammar | neural
    reason: str = ""  # why it was not accepted
    final_ms: float = 0.0  # time from the end of the utterance to the decision (transcribe() measures it)


def new_vad(config: VoiceConfig) -> VoiceActivityDetector:
    return VoiceActivityDetector(config.vad_aggressiveness, start_ms=config.vad_start_ms,
                                 end_ms=config.vad_silence_ms, preroll_ms=PREROLL_MS)


def confidence_floor(config: VoiceConfig, overlapped: bool) -> float:
    """The grammar fit a recognition needs to become a turn; words spoken over Aisle (``overlapped``) need more."""
    return max(config.min_confidence, config.overlapped_min_confidence) if overlapped else config.min_confidence


def accept(result: RecognitionResult | None, config: VoiceConfig, voiced_share: float = 1.0,
           overlapped: bool = False) -> bool:
    """Whether a final grammar recognition is a shopper's words: not empty, said by a voice, and not noise or
    off-topic talk forced onto the grammar (see :func:`confidence_floor`)."""
    return (result is not None and bool(result.text.strip())
            and result.confidence >= confidence_floor(config, overlapped) and voiced_share >= config.min_voicing)


def recognise(recognizer: SpeechRecognizer, audio: list[np.ndarray], config: VoiceConfig,
              neural: NeuralRecognizer | None, overlapped: bool = False) -> Transcript | None:
    """End the utterance and decide what was said (see the module docstring). None when no utterance was going.
    ``overlapped``: the words were spoken over Aisle's voice (see ``VoiceConfig.overlapped_min_confidence``)."""
    text = recognizer.end_utterance()
    result = recognizer.last_result
    pcm = np.concatenate(audio) if audio else np.zeros(0, dtype=np.int16)
    voiced = voicing(pcm) if pcm.size else 0.0
    if result is None:
        return None
    reason = "" if result.text else "nothing in the grammar"
    if overlapped and result.text and result.confidence < confidence_floor(config, overlapped=True):
        reason = "spoken over Aisle, a poor fit"
    grammar = Transcript(text, result.raw_text, result.confidence, accept(result, config, voiced, overlapped),
                         result.audio_ms, result.decode_ms, voiced, reason=reason)
    if grammar.accepted and result.confidence >= config.neural_below:
        return grammar
    if neural is None or not neural.loaded or voiced < config.min_voicing:
        return grammar
    heard = neural.transcribe(pcm)
    decode_ms = heard.decode_ms + grammar.decode_ms
    if heard.accepted:
        return Transcript(heard.text, heard.text, grammar.confidence, True, heard.audio_ms, decode_ms, voiced,
                          source="neural")
    if grammar.accepted:
        return grammar  # Whisper heard nothing better: the grammar's reading stands
    return Transcript("", heard.text, grammar.confidence, False, heard.audio_ms, decode_ms, voiced,
                      source="neural", reason=heard.reason)


def transcribe(pcm48k: np.ndarray, recognizer: SpeechRecognizer, config: VoiceConfig | None = None,
               lead_ms: int = 500, tail_ms: int = 1000, neural: NeuralRecognizer | None = None) -> list[Transcript]:
    """Run the voice loop's listening path over a 48 kHz recording (no device, no echo): 20 ms blocks → 16 kHz →
    VAD → incremental recognition from each speech start (with its pre-roll) to its end, with the grammar-aware
    end of turn → the two-pass decision. ``lead_ms`` of silence before and ``tail_ms`` (plus the VAD's end silence)
    after, as in a quiet room."""
    config = config or VoiceConfig()
    block = DEVICE_RATE * BLOCK_MS // 1000
    silence_after = np.zeros(DEVICE_RATE * (tail_ms + config.vad_silence_ms) // 1000, dtype=np.int16)
    stream = np.concatenate([np.zeros(DEVICE_RATE * lead_ms // 1000, dtype=np.int16),
                             np.asarray(pcm48k, dtype=np.int16), silence_after])
    to16k = StreamResampler(DEVICE_RATE, 16000, quality="MQ")
    vad = new_vad(config)
    out: list[Transcript] = []
    in_utterance = False
    audio: list[np.ndarray] = []
    for i in range(0, stream.size - block + 1, block):
        pcm16k = to16k.process(stream[i:i + block])
        joined = False
        for event in vad.feed(pcm16k):
            if event.kind == "speech_started":
                recognizer.start_utterance()
                audio = [np.frombuffer(vad.speech_so_far(), dtype=np.int16)]
                recognizer.feed(audio[0])
                in_utterance = joined = True
            elif event.kind == "speech_ended" and in_utterance:
                in_utterance = False
                vad.end_ms = config.vad_silence_ms
                started = time.perf_counter()
                heard = recognise(recognizer, audio, config, neural)
                if heard is not None:
                    out.append(dataclasses.replace(heard, final_ms=(time.perf_counter() - started) * 1000.0))
        if in_utterance and not joined:
            recognizer.feed(pcm16k)
            audio.append(pcm16k)
        if in_utterance:
            vad.end_ms = end_of_turn_ms(recognizer, config)
    return out


def end_of_turn_ms(recognizer: SpeechRecognizer, config: VoiceConfig) -> int:
    """The silence that ends the turn now: short when what was said so far is already a whole grammar sentence."""
    if config.early_end_ms and recognizer.partial_complete:
        return min(config.early_end_ms, config.vad_silence_ms)
    return config.vad_silence_ms


def cache_dir(config: VoiceConfig) -> Path:
    from app.paths import default_data_dir

    return Path(config.model_cache_dir) if config.model_cache_dir else default_data_dir() / "models"
