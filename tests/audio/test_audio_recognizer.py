"""Offline recognition with a grammar built from the catalog vocabulary (audio.recognizer)."""

from __future__ import annotations

import numpy as np
import pytest
from audio_testkit import add_noise, silence, word_error_rate

from audio.noise import create_noise_suppressor
from audio.pronounce import to_cmu
from audio.recognizer import (
    DictionaryLexicon,
    GrammarMatcher,
    GrammarRecognizer,
    LanguageModelRecognizer,
    ShoppingVocabulary,
    build_grammar,
    build_jsgf,
    normalize_words,
)
from audio.resample import resample

VOCABULARY = ShoppingVocabulary(
    categories=["sleeping bags", "tents", "backpacks", "headlamps", "camping stoves", "hiking boots", "rain jackets"],
    brands=["The North Face", "Patagonia", "Osprey", "MSR", "Black Diamond", "Zorbflux"],
    product_names=["Cat's Meow 20 Sleeping Bag", "Osprey Atmos AG 65", "MSR PocketRocket 2", "Zorbflux 3000"],
)

CASES = [
    ("show me sleeping bags under one hundred fifty dollars", "show me sleeping bags under 150 dollars"),
    ("add two of those to my cart", "add 2 of those to my cart"),
    ("what's in my cart", "what's in my cart"),
    ("tell me more about the second one", "tell me more about the second one"),
    ("do you have patagonia rain jackets", "do you have patagonia rain jackets"),
    ("check out", "check out"),
]


@pytest.fixture(scope="module")
def recognizer() -> GrammarRecognizer:
    return GrammarRecognizer(vocabulary=VOCABULARY)


def speech16k(speech, text: str, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    pcm, rate = speech.pcm(text, name)
    padded = np.concatenate([silence(rate, 300), pcm, silence(rate, 300)])
    return resample(padded, rate, 16000)


def test_grammar_recognises_the_price_query(recognizer: GrammarRecognizer, speech) -> None:  # type: ignore[no-untyped-def]
    audio = speech16k(speech, CASES[0][0], "rec_price")
    recognizer.start_utterance()
    partials = [recognizer.feed(audio[i : i + 1600].tobytes()) for i in range(0, audio.size, 1600)]
    final = recognizer.end_utterance()
    assert word_error_rate(CASES[0][1], final) <= 0.25, final
    assert any(partials), "partial hypotheses while the utterance is still going"
    result = recognizer.last_result
    assert result is not None and result.raw_text and result.audio_ms == pytest.approx(audio.size / 16, abs=1)


@pytest.mark.parametrize(("spoken", "expected"), CASES[1:])
def test_grammar_recognises_commands(recognizer: GrammarRecognizer, speech, spoken: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    audio = speech16k(speech, spoken, "rec_" + "_".join(spoken.split()[:4]).replace("'", ""))
    assert word_error_rate(expected, recognizer.recognize(audio)) <= 0.34


@pytest.mark.parametrize("suppress", [False, True])
def test_grammar_in_steady_noise_once_adapted(speech, suppress: bool) -> None:  # type: ignore[no-untyped-def]
    """White noise at 20 dB SNR: pocketsphinx adapts its channel normalisation over the first utterances."""
    suppressor = create_noise_suppressor(16000) if suppress else None
    if suppress and suppressor is None:
        pytest.skip("noise suppression needs the livekit package")
    rec = GrammarRecognizer(vocabulary=VOCABULARY)
    clean = speech16k(speech, CASES[0][0], "rec_price")
    results = []
    for seed in range(4):
        audio = add_noise(clean, snr_db=20, seed=seed)
        results.append(rec.recognize(suppressor.process(audio) if suppressor else audio))
    assert all(word_error_rate(CASES[0][1], text) <= 0.25 for text in results[-2:]), results


def test_words_missing_from_the_dictionary_get_generated_pronunciations() -> None:
    build = build_grammar(VOCABULARY)
    assert build.dropped_words == [] and build.dropped_phrases == []
    # espeak-ng's letter-to-sound rules, mapped onto the recogniser's phones
    assert build.added_words["zorbflux"] == "Z AO R B F L AH K S"
    assert "zorbflux" in build.jsgf and "osprey atmos ag sixty five" in build.jsgf
    # Derived from known words first: compound, plural of a compound, letters.
    assert set(build.added_words) >= {"pocketrocket", "headlamps", "msr"}
    assert build.added_words["msr"] == "EH M EH S AA R"


def test_espeak_phonemes_map_onto_the_recognisers_phones_or_not_at_all() -> None:
    assert to_cmu("k'Estr@L") == "K EH S T R AH L"
    assert to_cmu("dZ'EtbOIl") == "JH EH T B OY L"
    assert to_cmu("k'E$") is None  # an unknown mnemonic: no guess


def test_the_brands_the_dictionary_lacks_are_recognised(speech) -> None:  # type: ignore[no-untyped-def]
    rec = GrammarRecognizer(vocabulary=ShoppingVocabulary(
        categories=["stoves", "tents", "sleeping bags"], brands=["Kestrel", "Alpenglow", "Osprey"],
        product_names=["Alpenglow Bivy 2"]))
    assert rec.dropped_words == []
    said = rec.recognize(speech16k(speech, "show me kestrel stoves", "rec_kestrel"))
    assert said == "show me kestrel stoves"
    said = rec.recognize(speech16k(speech, "do you have the alpenglow bivy two", "rec_alpenglow"))
    assert said == "do you have the alpenglow bivy 2"


@pytest.mark.parametrize("said", ["hello", "hi there", "thank you", "can you say that again", "repeat that",
                                  "start over", "help", "yes please", "no thanks"])
def test_greetings_thanks_and_repeats_are_recognised(recognizer: GrammarRecognizer, speech, said: str) -> None:  # type: ignore[no-untyped-def]
    assert recognizer.recognize(speech16k(speech, said, "rec_" + said.replace(" ", "_"))) == said


def test_build_jsgf_is_a_grammar_pocketsphinx_accepts() -> None:
    jsgf = build_jsgf(ShoppingVocabulary(categories=["tents"], command_phrases=["compare {ordinal} and {ordinal}"]))
    assert jsgf.startswith("#JSGF V1.0;")
    assert "compare <ordinal> and <ordinal>" in jsgf
    GrammarRecognizer(jsgf_text=jsgf)  # raises if pocketsphinx cannot parse it


def test_phrase_list_mode(speech) -> None:  # type: ignore[no-untyped-def]
    rec = GrammarRecognizer(phrases=["start over", "check out", "add {number} to my cart"])
    assert rec.recognize(speech16k(speech, "add three to my cart", "rec_add_three")) == "add 3 to my cart"


def test_normalize_words() -> None:
    assert normalize_words("Cat's Meow 20° Sleeping-Bag") == ["cat's", "meow", "twenty", "sleeping", "bag"]
    assert normalize_words("Black & Decker 1,000W") == ["black", "and", "decker", "one", "thousand", "w"]
    assert normalize_words("Crème brûlée 2.5") == ["creme", "brulee", "two", "point", "five"]


def test_dictionary_lexicon_matches_the_decoder(recognizer: GrammarRecognizer) -> None:
    lex = DictionaryLexicon()
    assert lex.lookup("sleeping") == "S L IY P IH NG"
    assert lex.lookup("zorbflux") is None


def test_language_model_fallback_runs(speech) -> None:  # type: ignore[no-untyped-def]
    rec = LanguageModelRecognizer()
    text = rec.recognize(speech16k(speech, "check out", "rec_check_out_lm"))
    assert isinstance(text, str)


def test_wrong_arguments() -> None:
    with pytest.raises(ValueError):
        GrammarRecognizer()
    with pytest.raises(ValueError):
        GrammarRecognizer(phrases=["yes"], jsgf_text="#JSGF V1.0;")


def test_a_partial_that_is_a_whole_grammar_sentence_is_known_as_one(recognizer: GrammarRecognizer, speech) -> None:  # type: ignore[no-untyped-def]
    from audio.listening import VoiceConfig, end_of_turn_ms

    config = VoiceConfig(vad_silence_ms=500, early_end_ms=240)
    for said, whole in (("show me sleeping bags", True), ("show me sleeping bags under", False)):
        audio = speech16k(speech, said, "rec_partial_" + said.replace(" ", "_"))
        recognizer.start_utterance()
        for i in range(0, audio.size, 1600):
            recognizer.feed(audio[i:i + 1600].tobytes())
        assert recognizer.partial_complete is whole, said
        assert end_of_turn_ms(recognizer, config) == (240 if whole else 500)
        recognizer.end_utterance()


def test_the_grammar_matcher_follows_optional_parts_and_rules() -> None:
    matcher = GrammarMatcher(build_jsgf(VOCABULARY))
    assert matcher.complete("show me tents under two hundred dollars")
    assert matcher.complete("hello") and matcher.complete("can you say that again")
    assert not matcher.complete("show me tents under") and not matcher.complete("show me")
    assert not matcher.complete("")
