"""The pipeline's own logic: a scripted recogniser and synthesiser behind our interfaces, a real-time fake speaker,
the real chat loop and `openai` SDK against the fake chat service, and the real runtime (tools, conversation, bus).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import openai
import pytest

from agent.offline.agent import OfflineAgent
from agent.speech_pipeline.brain import SpeechPipelineBrain
from agent.speech_pipeline.chat import ChatAgent, ChatConfig
from agent.speech_pipeline.factory import build_from_settings
from agent.speech_pipeline.recognition import AzureRecognizer
from agent.speech_pipeline.synthesis import AzureSynthesizer
from app.brain import BrainUnavailable, ListeningBrain
from app.events import Event, EventKind
from app.fallback import FallbackBrain
from app.runtime import Runtime
from app.session import ShopperSession
from app.settings import Settings
from tests.fakes.chat_server import FakeChatServer, Response, Sleep, Stall, Status, Text, ToolCall
from tests.speech_pipeline.scripted import RecordingSpeaker, ScriptedRecognizer, ScriptedSynthesizer

pytestmark = pytest.mark.timeout(30)

TENTS = ToolCall("search_products", {"query": "tent", "category": "tents"}, call_id="call_search")


@dataclass
class Rig:
    brain: SpeechPipelineBrain
    recognizer: ScriptedRecognizer
    synthesizer: ScriptedSynthesizer
    speaker: RecordingSpeaker
    runtime: Runtime
    server: FakeChatServer
    events: list[Event]
    session: ShopperSession
    unavailable: list[BrainUnavailable]

    def of(self, kind: EventKind) -> list[dict[str, Any]]:
        return [e.data for e in self.events if e.kind is kind]

    async def until(self, predicate: Callable[[], bool], within_s: float = 5.0) -> None:
        deadline = time.monotonic() + within_s
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting; events: " + repr([(e.kind.value, e.data)
                                                                         for e in self.events][-12:]))
            await asyncio.sleep(0.005)

    async def completions(self, n: int, within_s: float = 5.0) -> list[dict[str, Any]]:
        await self.until(lambda: len(self.of(EventKind.COMPLETION)) >= n, within_s)
        return self.of(EventKind.COMPLETION)


def make_brain(server: FakeChatServer, runtime: Runtime, recognizer: ScriptedRecognizer,
               synthesizer: ScriptedSynthesizer, key: str = "sk-test",
               unavailable: list[BrainUnavailable] | None = None, **config: Any) -> SpeechPipelineBrain:
    client = openai.AsyncOpenAI(api_key=key, base_url=server.base_url, max_retries=0, timeout=10.0)
    options: dict[str, Any] = {"first_chunk_timeout_s": 2.0, "chunk_timeout_s": 2.0, "retry_delay_s": 0.05,
                               "store_name": runtime.settings.store_name}
    options.update(config)
    sink = unavailable if unavailable is not None else []

    async def fall_back(failure: BrainUnavailable) -> None:
        sink.append(failure)

    return SpeechPipelineBrain(recognizer, synthesizer, ChatAgent(client, ChatConfig(**options)), runtime.tools,
                               on_unavailable=fall_back, restart_delays_s=(0.05,), playback_slack_s=0.5)


async def rig_for(runtime: Runtime, chat_server: FakeChatServer, voice: bool = True, key: str = "sk-test",
                  synthesizer: ScriptedSynthesizer | None = None, **config: Any) -> Rig:
    recognizer = ScriptedRecognizer()
    synth = synthesizer or ScriptedSynthesizer()
    speaker = RecordingSpeaker()
    unavailable: list[BrainUnavailable] = []
    brain = make_brain(chat_server, runtime, recognizer, synth, key=key, unavailable=unavailable, **config)
    if voice:
        brain.attach_voice(speaker)
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    runtime.conversation.brain = brain
    session = await runtime.conversation.start_session()
    return Rig(brain, recognizer, synth, speaker, runtime, chat_server, events, session, unavailable)


@pytest.fixture
async def rig(runtime: Runtime, chat_server: FakeChatServer) -> AsyncIterator[Rig]:
    r = await rig_for(runtime, chat_server)
    yield r
    await r.brain.close()


def sequence(rig: Rig, kinds: set[EventKind]) -> list[str]:
    return [e.kind.value for e in rig.events if e.kind in kinds]


async def test_it_is_a_listening_brain_and_listens_from_the_session_start(rig: Rig) -> None:
    assert isinstance(rig.brain, ListeningBrain) and rig.brain.input_samplerate == 16000
    assert rig.recognizer.running and rig.recognizer.starts == 1
    assert rig.of(EventKind.VOICE_STATE)[-1] == {"state": "listening"}
    await asyncio.sleep(0)
    assert rig.synthesizer.warm_ups == 1
    rig.brain.feed_audio(b"\x00\x00" * 320)
    assert len(rig.recognizer.pushed) == 640


async def test_a_spoken_turn_with_a_tool_call_is_answered_in_spoken_sentences(rig: Rig) -> None:
    rig.server.script(
        Response(Text("Let me look. "), TENTS),
        Response(Text("I found some tents. The first one sleeps two. Want details?", piece=5)),
    )
    rig.recognizer.partial("show me")
    rig.recognizer.partial("show me tents")
    rig.recognizer.final("Show me tents.")
    completion = (await rig.completions(1))[0]
    sentences = ["Let me look.", "I found some tents.", "The first one sleeps two.", "Want details?"]
    assert rig.synthesizer.texts == sentences
    assert [tag for _, tag, _, _ in rig.speaker.plays] == ["r1-0", "r1-1", "r1-2", "r1-3"]
    chunks = [d["text"] for d in rig.of(EventKind.TEXT_CHUNK)]
    assert chunks == ["Let me look.", " I found some tents.", " The first one sleeps two.", " Want details?"]
    assert completion == {"text": " ".join(sentences), "interrupted": False}
    transcripts = rig.of(EventKind.TRANSCRIPT)
    assert transcripts == [{"role": "shopper", "text": "show me", "final": False},
                           {"role": "shopper", "text": "show me tents", "final": False},
                           {"role": "shopper", "text": "Show me tents.", "final": True}]
    assert rig.of(EventKind.SHOPPER_MESSAGE)[-1] == {"text": "Show me tents.", "source": "voice"}
    call = rig.of(EventKind.FUNCTION_CALL)[0]
    assert call["name"] == "search_products" and call["call_id"] == "call_search" and call["result"]["ok"]
    order = sequence(rig, {EventKind.SHOPPER_MESSAGE, EventKind.FUNCTION_CALL, EventKind.TEXT_CHUNK,
                           EventKind.COMPLETION})
    assert order[:2] == ["shopper_message", "text_chunk"]  # "Let me look." is said while the tool runs
    assert order[-1] == "completion" and "function_call" in order
    states = [d["state"] for d in rig.of(EventKind.VOICE_STATE)]
    assert states[-4:] == ["listening", "thinking", "speaking", "listening"]
    assert [(t.role, t.text, t.source) for t in rig.session.turns] == [
        ("shopper", "Show me tents.", "voice"), ("assistant", " ".join(sentences), "")]
    assert not rig.speaker.is_playing()  # the completion comes after the last sentence was heard


async def test_text_is_published_as_each_sentence_starts_playing(rig: Rig) -> None:
    rig.synthesizer.ms_per_char = 8.0
    rig.server.script(Response(Text("Here is the first sentence. And here is the second one. Third.")))
    started_when_shown: list[bool] = []

    def on_event(event: Event) -> None:
        if event.kind is EventKind.TEXT_CHUNK:
            index = len(started_when_shown)
            tag = f"r1-{index}"
            started_when_shown.append(rig.speaker.played_samples(tag, 24000) > 0)

    rig.runtime.bus.subscribe(on_event)
    rig.recognizer.final("Tell me something.")
    await rig.completions(1)
    assert started_when_shown == [True, True, True]
    plays = rig.speaker.plays
    # all sentences were queued back to back, long before the last one was shown: no gaps between them
    shown = [e.timestamp for e in rig.events if e.kind is EventKind.TEXT_CHUNK]
    assert shown[2] - shown[0] > 0.3
    assert plays[2][0] - plays[0][0] < 0.2


async def test_speech_starts_before_the_reply_is_complete(rig: Rig) -> None:
    rig.server.script(Response(Text("The first part is ready. "), Sleep(0.8), Text("The rest came later.")))
    rig.recognizer.final("Hello?")
    await rig.completions(1)
    last_chunk_sent = max(at for at, payload in rig.server.sent[0]
                          if isinstance(payload, dict) and "rest" in str(payload))
    first_audio = rig.speaker.plays[0][0]
    assert first_audio < last_chunk_sent - 0.5
    first_text = next(e for e in rig.events if e.kind is EventKind.TEXT_CHUNK)
    assert first_text.data["text"] == "The first part is ready."


async def test_several_tool_calls_in_one_spoken_turn_are_all_answered(rig: Rig) -> None:
    rig.server.script(
        Response(TENTS, ToolCall("view_cart", {}, call_id="call_cart"),
                 ToolCall("get_recommendations", {"based_on": "sleeping-bags"}, call_id="call_recs")),
        Response(Text("Here are tents and some sleeping bags. Your cart is empty.")),
    )
    rig.recognizer.final("Tents, my cart, and sleeping bags.")
    await rig.completions(1)
    calls = rig.of(EventKind.FUNCTION_CALL)
    assert [c["call_id"] for c in calls] == ["call_search", "call_cart", "call_recs"]
    answered = [m["tool_call_id"] for m in rig.server.completions[1].messages if m["role"] == "tool"]
    assert answered == ["call_search", "call_cart", "call_recs"]
    assert rig.synthesizer.texts == ["Here are tents and some sleeping bags.", "Your cart is empty."]


async def test_a_failing_tool_is_reported_to_the_model_and_the_conversation_goes_on(rig: Rig) -> None:
    rig.server.script(
        Response(ToolCall("add_to_cart", {"product_id": "TNT-9999"}, call_id="call_bad")),
        Response(Text("Sorry, I can't find that one. Shall I search for tents?")),
        Response(TENTS),
        Response(Text("Here are our tents.")),
    )
    rig.recognizer.final("Add TNT-9999.")
    await rig.completions(1)
    failed = rig.of(EventKind.FUNCTION_CALL)[0]
    assert failed["result"]["ok"] is False and failed["result"]["error"]["code"] == "unknown_product"
    tool_message = rig.server.completions[1].messages[-1]
    assert tool_message["tool_call_id"] == "call_bad" and '"unknown_product"' in tool_message["content"]
    rig.recognizer.final("Yes, please.")
    second = (await rig.completions(2))[1]
    assert second == {"text": "Here are our tents.", "interrupted": False}
    assert rig.of(EventKind.FUNCTION_CALL)[1]["result"]["ok"] is True


async def test_barge_in_stops_playback_at_once_and_cancels_the_reply(rig: Rig) -> None:
    rig.synthesizer.ms_per_char = 20.0  # ~0.5 s per sentence
    rig.server.script(Response(Text("This is the first sentence of many. "), Sleep(0.3),
                               Text("This second sentence is never heard. "), Sleep(0.3),
                               Text("Neither is this one.")))
    rig.recognizer.final("Tell me a long story.")
    await rig.until(lambda: bool(rig.of(EventKind.TEXT_CHUNK)))
    await asyncio.sleep(0.1)
    assert rig.speaker.is_playing()
    plays_before = len(rig.speaker.plays)
    barged_at = time.monotonic()
    await rig.brain.shopper_speech_started()
    assert rig.speaker.stop_times and rig.speaker.stop_times[0] - barged_at < 0.02
    assert not rig.speaker.is_playing()
    completion = (await rig.completions(1))[0]
    assert completion == {"text": "This is the first sentence of many.", "interrupted": True}
    await asyncio.sleep(0.8)  # the rest of the reply would have arrived by now
    assert len(rig.speaker.plays) == plays_before  # nothing more was queued after the stop
    assert len(rig.of(EventKind.COMPLETION)) == 1
    assert rig.brain.barge_ins == 1 and rig.synthesizer.cancels >= 1
    assert rig.of(EventKind.VOICE_STATE)[-1] == {"state": "listening"}
    assert rig.session.turns[-1].text == "This is the first sentence of many."
    # the model's history holds what the shopper heard, not what it had meant to say
    rig.server.script(Response(Text("Sure.")))
    rig.recognizer.final("Something shorter.")
    await rig.completions(2)
    history = rig.server.completions[-1].messages
    assert history[-2] == {"role": "assistant", "content": "This is the first sentence of many."}
    assert history[-1] == {"role": "user", "content": "Something shorter."}


async def test_barge_in_while_thinking_cancels_the_request(rig: Rig) -> None:
    rig.server.script(Response(Stall(30)), Response(Text("Okay.")))
    rig.recognizer.final("Hmm, tents")
    await rig.until(lambda: rig.brain.state.value == "thinking")
    await asyncio.sleep(0.1)
    await rig.brain.shopper_speech_started()
    assert (await rig.completions(1))[0] == {"text": "", "interrupted": True}
    rig.recognizer.final("tents for two please")
    assert (await rig.completions(2))[1]["text"] == "Okay."
    users = [m["content"] for m in rig.server.completions[-1].messages if m["role"] == "user"]
    assert users == ["Hmm, tents", "tents for two please"]


async def test_a_new_final_while_speaking_interrupts_and_answers_it(rig: Rig) -> None:
    rig.synthesizer.ms_per_char = 20.0
    rig.server.script(Response(Text("A long first answer that goes on. And on and on. ")),
                      Response(Text("Second answer.")))
    rig.recognizer.final("First question.")
    await rig.until(lambda: bool(rig.of(EventKind.TEXT_CHUNK)))
    rig.recognizer.final("Second question.")
    completions = await rig.completions(2)
    assert completions[0]["interrupted"] is True and completions[1] == {"text": "Second answer.",
                                                                         "interrupted": False}
    assert rig.speaker.stops
    order = sequence(rig, {EventKind.SHOPPER_MESSAGE, EventKind.COMPLETION})
    assert order == ["shopper_message", "completion", "shopper_message", "completion"]


async def test_typed_turns_share_the_spoken_conversation(rig: Rig) -> None:
    rig.server.script(Response(Text("Hello! How can I help?")), Response(Text("We have sleeping bags.")))
    rig.recognizer.final("Hi there.")
    await rig.completions(1)
    await rig.runtime.conversation.submit_text("Any sleeping bags?")
    assert rig.of(EventKind.COMPLETION)[-1]["text"] == "We have sleeping bags."
    messages = rig.server.completions[1].messages
    assert [(m["role"], m.get("content")) for m in messages[1:]] == [
        ("user", "Hi there."), ("assistant", "Hello! How can I help?"), ("user", "Any sleeping bags?")]
    assert rig.of(EventKind.SHOPPER_MESSAGE)[-1] == {"text": "Any sleeping bags?", "source": "typed"}
    assert rig.synthesizer.texts[-1] == "We have sleeping bags."  # typed turns are answered aloud too


async def test_typing_over_a_spoken_reply_silences_it_and_answers_the_typed_turn(rig: Rig) -> None:
    rig.synthesizer.ms_per_char = 20.0
    rig.server.script(Response(Text("A long spoken answer that takes a while to say. And more. ")),
                      Response(Text("Typed answer.")))
    rig.recognizer.final("Spoken question.")
    await rig.until(lambda: bool(rig.of(EventKind.TEXT_CHUNK)))
    await rig.runtime.conversation.submit_text("Typed question.")
    completions = rig.of(EventKind.COMPLETION)
    assert completions[0]["interrupted"] is True and completions[1]["text"] == "Typed answer."
    assert rig.speaker.stop_times, "the spoken reply was silenced"
    assert rig.speaker.plays[-1][1] == "r2-0"  # only the typed answer is queued after the stop
    assert rig.speaker.plays[-1][0] > rig.speaker.stop_times[0]


async def test_touch_actions_reach_the_model_as_notes(rig: Rig) -> None:
    search = await rig.runtime.tools.call(rig.session, "search_products", {"query": "tent", "category": "tents"})
    product = search["products"][0]
    await rig.runtime.conversation.touch("add_to_cart", {"product_id": product["id"]}, f"Add {product['name']}")
    rig.server.script(Response(Text("Great choice.")))
    await rig.runtime.conversation.submit_text("Is that a good one?")
    notes = [m for m in rig.server.completions[0].messages if m["role"] == "system"][1:]
    assert len(notes) == 1 and "add_to_cart" in notes[0]["content"]


async def test_without_a_speaker_the_text_streams_as_it_arrives(runtime: Runtime,
                                                                chat_server: FakeChatServer) -> None:
    rig = await rig_for(runtime, chat_server, voice=False)
    assert rig.recognizer.starts == 0  # no voice: nothing to listen with
    chat_server.script(Response(Text("Hello there, shopper.", piece=4)))
    await runtime.conversation.submit_text("hi")
    chunks = [d["text"] for d in rig.of(EventKind.TEXT_CHUNK)]
    assert len(chunks) > 3 and "".join(chunks) == "Hello there, shopper."
    assert rig.synthesizer.texts == []
    rig.brain.attach_voice(rig.speaker)  # voice arrives later: listening starts
    await rig.until(lambda: rig.recognizer.running)
    await rig.brain.close()


async def test_synthesis_failing_mid_reply_falls_back_to_text(runtime: Runtime,
                                                             chat_server: FakeChatServer) -> None:
    rig = await rig_for(runtime, chat_server, synthesizer=ScriptedSynthesizer(fail_from=2))
    chat_server.script(Response(Text("First sentence. Second sentence. Third sentence.")))
    rig.recognizer.final("Talk to me.")
    completion = (await rig.completions(1))[0]
    assert completion["text"] == "First sentence. Second sentence. Third sentence."
    assert len(rig.speaker.plays) == 1
    notices = [n for n in rig.of(EventKind.NOTICE) if n["code"] == "speech_synthesis_failed"]
    assert len(notices) == 1 and "did not answer" in notices[0]["message"]
    # the next reply does not wait on a failing service again: text at once, speech tried later
    tried = len(rig.synthesizer.texts)
    chat_server.script(Response(Text("Still here. As text.")))
    await runtime.conversation.submit_text("Hello?")
    assert rig.of(EventKind.COMPLETION)[-1]["text"] == "Still here. As text."
    assert len(rig.synthesizer.texts) == tried and len(rig.speaker.plays) == 1
    await rig.brain.close()


async def test_wrong_key_is_permanent_and_names_the_setting(runtime: Runtime, chat_server: FakeChatServer) -> None:
    rig = await rig_for(runtime, chat_server, key="sk-wrong")
    # a spoken turn has nobody to raise to: an error on screen, a failed completion, and the hook
    rig.recognizer.final("hello?")
    completion = (await rig.completions(1))[0]
    assert completion == {"text": "", "failed": True}
    error = rig.of(EventKind.ERROR)[-1]
    assert "OPENAI_API_KEY" in error["message"] and error["permanent"] is True
    await rig.until(lambda: bool(rig.unavailable))
    assert rig.unavailable[0].permanent
    assert not rig.recognizer.running  # handed over: no more listening
    # a typed turn raises it, for the FallbackBrain
    with pytest.raises(BrainUnavailable) as failure:
        await rig.brain.respond(rig.session, "hi")
    assert failure.value.permanent and "OPENAI_API_KEY" in str(failure.value)
    await rig.brain.close()


async def test_wrong_key_through_the_fallback_brain_switches_to_offline(runtime: Runtime,
                                                                       chat_server: FakeChatServer) -> None:
    recognizer, synth = ScriptedRecognizer(), ScriptedSynthesizer()
    brain = make_brain(chat_server, runtime, recognizer, synth, key="sk-wrong")
    offline = OfflineAgent(runtime.tools, runtime.catalog, 0, runtime.run_blocking)
    fallback = FallbackBrain(brain, offline)
    runtime.conversation.brain = fallback
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    await runtime.conversation.start_session()
    await runtime.conversation.submit_text("show me tents")
    assert not fallback.on_cloud
    changed = next(e.data for e in events if e.kind is EventKind.BRAIN_CHANGED)
    assert changed["brain"] == "offline" and "OPENAI_API_KEY" in changed["reason"]
    assert len([e for e in events if e.kind is EventKind.COMPLETION]) == 1  # the offline brain answered the turn
    assert not recognizer.running  # not listening (nor paying for recognition) while the offline brain answers
    await fallback.close()


async def test_voice_off_and_on_again_restarts_listening(rig: Rig) -> None:
    rig.brain.attach_voice(None)
    rig.brain.feed_audio(b"\x00\x00" * 160)
    assert len(rig.recognizer.pushed) == 0
    rig.brain.attach_voice(rig.speaker)  # at once: the stop still in flight must not win
    await rig.until(lambda: rig.recognizer.running and rig.recognizer.starts == 2)
    await asyncio.sleep(0.05)
    assert rig.recognizer.running
    rig.brain.feed_audio(b"\x00\x00" * 160)
    assert len(rig.recognizer.pushed) == 320


async def test_a_stalled_chat_is_not_permanent_and_fails_within_our_timeout(runtime: Runtime,
                                                                            chat_server: FakeChatServer) -> None:
    rig = await rig_for(runtime, chat_server, first_chunk_timeout_s=1.0)
    chat_server.script(Response(Stall(30)))
    started = time.monotonic()
    with pytest.raises(BrainUnavailable) as failure:
        await rig.brain.respond(rig.session, "hi")
    assert time.monotonic() - started < 2.0
    assert not failure.value.permanent and "took longer than 1 s" in str(failure.value)
    assert rig.brain.state.value == "listening"
    await rig.brain.close()


async def test_recognition_that_cannot_start_fails_the_session_start(runtime: Runtime,
                                                                     chat_server: FakeChatServer) -> None:
    recognizer = ScriptedRecognizer(fail_start=[BrainUnavailable("Azure Speech refused AZURE_SPEECH_KEY (401).",
                                                                 permanent=True)])
    brain = make_brain(chat_server, runtime, recognizer, ScriptedSynthesizer())
    brain.attach_voice(RecordingSpeaker())
    session = ShopperSession(runtime.bus, brain.name)
    with pytest.raises(BrainUnavailable) as failure:
        await brain.start_session(session)
    assert failure.value.permanent and "AZURE_SPEECH_KEY" in str(failure.value)
    await brain.close()


async def test_recognition_lost_mid_session_is_restarted(rig: Rig) -> None:
    rig.recognizer.fail_start = [BrainUnavailable("Cannot reach Azure Speech at region 'x'.")]
    rig.recognizer.error(BrainUnavailable("Azure Speech at region 'x' timed out during recognition."))
    assert rig.of(EventKind.VOICE_STATE)[-1] == {"state": "unavailable"}
    notice = rig.of(EventKind.NOTICE)[-1]
    assert notice["code"] == "speech_recognition_failed" and "timed out" in notice["message"]
    await rig.until(lambda: rig.recognizer.running)
    assert rig.recognizer.starts == 3  # the session start, one failed retry, one that worked
    assert rig.of(EventKind.NOTICE)[-1]["code"] == "speech_recognition_restored"
    assert rig.of(EventKind.VOICE_STATE)[-1] == {"state": "listening"}
    assert rig.unavailable == []


async def test_the_probe_checks_recognition_too_when_voice_is_on(runtime: Runtime,
                                                                  chat_server: FakeChatServer) -> None:
    recognizer = ScriptedRecognizer()
    brain = make_brain(chat_server, runtime, recognizer, ScriptedSynthesizer())
    await brain.probe()  # voice off: the chat service answering is enough
    assert recognizer.starts == 0
    brain.attach_voice(RecordingSpeaker())
    recognizer.fail_start = [BrainUnavailable("Cannot reach Azure Speech at region 'x'.")]
    with pytest.raises(BrainUnavailable, match="Cannot reach Azure Speech"):
        await brain.probe()
    await brain.probe()
    assert recognizer.starts == 2 and not recognizer.running
    await brain.close()


async def test_a_permanent_recognition_failure_is_not_retried(rig: Rig) -> None:
    rig.recognizer.error(BrainUnavailable("Azure Speech refused AZURE_SPEECH_KEY (403).", permanent=True))
    await asyncio.sleep(0.2)
    assert rig.recognizer.starts == 1
    assert rig.unavailable and rig.unavailable[0].permanent


async def test_ending_the_session_stops_listening_and_forgets_the_conversation(rig: Rig) -> None:
    rig.server.script(Response(Text("Hi.")))
    rig.recognizer.final("Hello.")
    await rig.completions(1)
    session_id = rig.session.id
    await rig.runtime.conversation.end_session("idle")
    assert not rig.recognizer.running and rig.recognizer.stops == 1
    assert session_id not in rig.brain.chat._messages
    rig.brain.feed_audio(b"\x00\x00" * 160)  # no session: audio goes nowhere
    assert len(rig.recognizer.pushed) == 0


def test_build_from_settings_names_what_is_missing(settings: Settings, runtime: Runtime) -> None:
    env = {"AISLE_NO_KEYRING": "1"}
    with pytest.raises(BrainUnavailable) as no_key:
        build_from_settings(settings, runtime.tools, env)
    assert no_key.value.permanent and "AZURE_SPEECH_KEY" in str(no_key.value)
    with pytest.raises(BrainUnavailable) as no_region:
        build_from_settings(settings, runtime.tools, {**env, "AZURE_SPEECH_KEY": "k"})
    assert "azure_speech_region / azure_speech_endpoint" in str(no_region.value)
    regional = settings.replace(azure_speech_region="westeurope")
    with pytest.raises(BrainUnavailable) as no_chat:
        build_from_settings(regional, runtime.tools, {**env, "AZURE_SPEECH_KEY": "k"})
    assert "OPENAI_API_KEY" in str(no_chat.value)
    brain = build_from_settings(regional.replace(tts_voice="fr-FR-DeniseNeural"), runtime.tools,
                                {**env, "AZURE_SPEECH_KEY": "k", "OPENAI_API_KEY": "sk"})
    assert isinstance(brain.recognizer, AzureRecognizer) and isinstance(brain.synthesizer, AzureSynthesizer)
    assert brain.synthesizer.voice == "fr-FR-DeniseNeural"
    assert brain.recognizer.config.region == "westeurope" and brain.chat.config.key_setting == "OPENAI_API_KEY"
    default_voice = build_from_settings(regional, runtime.tools, {**env, "AZURE_SPEECH_KEY": "k",
                                                                  "OPENAI_API_KEY": "sk"})
    assert isinstance(default_voice.synthesizer, AzureSynthesizer)
    assert default_voice.synthesizer.voice.endswith("MultilingualNeural")


async def test_status_errors_reach_the_typed_turn_as_permanent(runtime: Runtime, chat_server: FakeChatServer) -> None:
    rig = await rig_for(runtime, chat_server)
    chat_server.script(Response(Status(403, "model not allowed")))
    with pytest.raises(BrainUnavailable) as failure:
        await rig.brain.respond(rig.session, "hi")
    assert failure.value.permanent and "may not use the chat model" in str(failure.value)
    await rig.brain.close()


async def test_after_an_outage_the_fallback_probe_brings_the_pipeline_back(runtime: Runtime,
                                                                          chat_server: FakeChatServer) -> None:
    recognizer, synth, speaker = ScriptedRecognizer(), ScriptedSynthesizer(), RecordingSpeaker()
    brain = make_brain(chat_server, runtime, recognizer, synth, first_chunk_timeout_s=0.5)
    brain.attach_voice(speaker)
    offline = OfflineAgent(runtime.tools, runtime.catalog, 0, runtime.run_blocking)
    fallback = FallbackBrain(brain, offline, probe=brain.probe, probe_interval_s=0.1)
    runtime.conversation.brain = fallback
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    await runtime.conversation.start_session()
    assert recognizer.running
    chat_server.script(Response(Stall(30)))
    await runtime.conversation.submit_text("show me tents")
    assert not fallback.on_cloud and not recognizer.running
    deadline = time.monotonic() + 5
    while not (fallback.on_cloud and recognizer.running):
        assert time.monotonic() < deadline, "the pipeline did not come back"
        await asyncio.sleep(0.02)
    assert recognizer.starts == 3  # the session, the probe's check, the session again
    notices = [e.data["code"] for e in events if e.kind is EventKind.NOTICE]
    assert notices == ["brain_fallback", "brain_restored"]
    chat_server.script(Response(Text("Back again.")))
    await runtime.conversation.submit_text("hello?")
    assert [e.data for e in events if e.kind is EventKind.COMPLETION][-1]["text"] == "Back again."
    await fallback.close()
