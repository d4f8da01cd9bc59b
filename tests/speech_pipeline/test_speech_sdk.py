"""The real Azure Speech SDK against loopback servers: refused, silent, rejecting (401/403) and talking.

What matters: every failure comes back quickly, as `BrainUnavailable` with a message that says what to check, and a
silent server is cut off by *our* timeout (the SDK alone waits 70-80 s).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from agent.speech_pipeline.factory import build_from_settings
from agent.speech_pipeline.recognition import AzureRecognizer
from agent.speech_pipeline.sdk import AzureSpeechConfig
from agent.speech_pipeline.synthesis import AzureSynthesizer
from app.brain import BrainUnavailable
from app.events import Event, EventKind
from app.runtime import Runtime
from app.settings import Settings
from tests.fakes.chat_server import FakeChatServer, Response, Text, ToolCall
from tests.speech_pipeline.scripted import RecordingSpeaker
from tests.speech_pipeline.speech_server import FakeSpeechService, Phrase, SilentServer, refused_port

pytestmark = pytest.mark.timeout(20)

RECOGNITION_PATH = "/speech/recognition/conversation/cognitiveservices/v1"
SYNTHESIS_PATH = "/cognitiveservices/websocket/v1"


def ignore(*_args: object) -> None:
    return None


async def start_recognizer(recognizer: AzureRecognizer) -> tuple[list[str], list[str], list[BrainUnavailable]]:
    partials: list[str] = []
    finals: list[str] = []
    errors: list[BrainUnavailable] = []
    await recognizer.start(partials.append, finals.append, errors.append)
    return partials, finals, errors


async def test_refused_endpoint_fails_fast_and_names_the_settings() -> None:
    port = refused_port()
    config = AzureSpeechConfig("key", endpoint=f"ws://127.0.0.1:{port}{RECOGNITION_PATH}")
    recognizer = AzureRecognizer(config, connect_timeout_s=5.0)
    started = time.monotonic()
    with pytest.raises(BrainUnavailable) as failure:
        await start_recognizer(recognizer)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0  # the SDK reports a refused connection in about a second
    assert not failure.value.permanent
    message = str(failure.value)
    assert "Cannot reach Azure Speech" in message and "refused" in message.lower()
    assert "azure_speech_region / azure_speech_endpoint" in message
    assert not recognizer.running
    await recognizer.stop()  # harmless when not running


async def test_silent_endpoint_is_cut_off_by_our_timeout() -> None:
    with SilentServer() as server:
        config = AzureSpeechConfig("key", endpoint=f"ws://127.0.0.1:{server.port}{RECOGNITION_PATH}")
        recognizer = AzureRecognizer(config, connect_timeout_s=1.5)
        started = time.monotonic()
        with pytest.raises(BrainUnavailable) as failure:
            await start_recognizer(recognizer)
        elapsed = time.monotonic() - started
        assert 1.4 <= elapsed < 3.0
        assert server.accepted >= 1  # it really connected, and then heard nothing
        assert not failure.value.permanent
        message = str(failure.value)
        assert "did not answer within 1.5 s" in message
        assert "azure_speech_region / azure_speech_endpoint" in message and "network" in message
        # abandoning the hung recogniser must not block the loop (its SDK stop takes ~10 s on a worker thread)
        tick = time.monotonic()
        await asyncio.sleep(0.05)
        assert time.monotonic() - tick < 0.5


async def test_silent_endpoint_synthesis_times_out() -> None:
    with SilentServer() as server:
        synthesizer = AzureSynthesizer(AzureSpeechConfig("key", endpoint=f"ws://127.0.0.1:{server.port}"),
                                       timeout_s=1.5)
        started = time.monotonic()
        with pytest.raises(BrainUnavailable) as failure:
            await synthesizer.synthesize("Hello there.")
        assert time.monotonic() - started < 3.0
        assert not failure.value.permanent
        assert "did not answer within 1.5 s (speech synthesis)" in str(failure.value)
        await synthesizer.close()


async def test_warm_up_is_bounded_and_quiet_on_a_silent_server() -> None:
    with SilentServer() as server:
        synthesizer = AzureSynthesizer(AzureSpeechConfig("key", endpoint=f"ws://127.0.0.1:{server.port}"),
                                       timeout_s=1.0)
        started = time.monotonic()
        await synthesizer.warm_up()  # never raises
        assert time.monotonic() - started < 2.0
        await synthesizer.close()


async def test_warm_up_opens_the_synthesis_connection_ahead_of_time() -> None:
    with FakeSpeechService() as service:
        synthesizer = AzureSynthesizer(AzureSpeechConfig("good-key", endpoint=service.host), timeout_s=5.0)
        await synthesizer.warm_up()
        for _ in range(150):
            if service.record.paths:
                break
            await asyncio.sleep(0.02)
        assert service.record.paths == [SYNTHESIS_PATH]  # connected before any text was there
        pcm, _ = await synthesizer.synthesize("Ready.")
        assert pcm
        await synthesizer.close()


async def test_refused_endpoint_synthesis_fails_fast() -> None:
    synthesizer = AzureSynthesizer(AzureSpeechConfig("key", endpoint=f"ws://127.0.0.1:{refused_port()}"),
                                   timeout_s=5.0)
    started = time.monotonic()
    with pytest.raises(BrainUnavailable) as failure:
        await synthesizer.synthesize("Hello there.")
    assert time.monotonic() - started < 3.0
    assert not failure.value.permanent
    assert "Cannot reach Azure Speech" in str(failure.value)
    await synthesizer.close()


@pytest.mark.parametrize("status", [401, 403])
async def test_rejected_key_is_permanent_and_names_the_key(status: int) -> None:
    with FakeSpeechService(reject=status) as service:
        config = AzureSpeechConfig("wrong-key", endpoint=service.host)
        with pytest.raises(BrainUnavailable) as failure:
            await start_recognizer(AzureRecognizer(config, connect_timeout_s=5.0))
        assert failure.value.permanent
        assert "AZURE_SPEECH_KEY" in str(failure.value) and str(status) in str(failure.value)
        synthesizer = AzureSynthesizer(config, timeout_s=5.0)
        with pytest.raises(BrainUnavailable) as synth_failure:
            await synthesizer.synthesize("Hello.")
        assert synth_failure.value.permanent and "AZURE_SPEECH_KEY" in str(synth_failure.value)
        await synthesizer.close()
        assert service.record.headers[0].get("ocp-apim-subscription-key") == "wrong-key"


async def test_recognition_partials_and_finals_through_the_sdk() -> None:
    phrases = [Phrase(["a tent", "a tent for two"], "A tent for two."), Phrase(["under"], "Under 200 dollars.")]
    with FakeSpeechService(phrases=phrases, after_audio_frames=3) as service:
        recognizer = AzureRecognizer(AzureSpeechConfig("good-key", endpoint=service.host), connect_timeout_s=5.0,
                                     stop_timeout_s=1.0)
        partials, finals, errors = await start_recognizer(recognizer)
        assert recognizer.running
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5.0
        while len(finals) < 2 and loop.time() < deadline:
            recognizer.push(b"\x00\x01" * 1600)  # 100 ms of 16 kHz PCM16
            await asyncio.sleep(0.02)
        assert finals == ["A tent for two.", "Under 200 dollars."]
        assert partials == ["a tent", "a tent for two", "under"]
        assert errors == []
        started = time.monotonic()
        await recognizer.stop()
        assert time.monotonic() - started < 1.5  # bounded by stop_timeout_s whatever the service does
        assert not recognizer.running
        assert service.record.paths[0].startswith(RECOGNITION_PATH)
        assert service.record.headers[0].get("ocp-apim-subscription-key") == "good-key"
        assert service.record.audio_bytes > 0


async def test_a_connection_lost_mid_session_is_reported_once_and_not_permanent() -> None:
    with FakeSpeechService(drop_after_frames=5) as service:
        recognizer = AzureRecognizer(AzureSpeechConfig("good-key", endpoint=service.host), connect_timeout_s=5.0)
        _, _, errors = await start_recognizer(recognizer)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 8.0
        while not errors and loop.time() < deadline:
            recognizer.push(b"\x00\x01" * 1600)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        assert len(errors) == 1
        assert not errors[0].permanent
        assert "Connection was closed by the remote host" in str(errors[0])
        await recognizer.stop()


async def test_synthesis_returns_raw_24khz_pcm_and_sends_the_voice() -> None:
    with FakeSpeechService(audio_chunks=3, chunk_bytes=4800) as service:
        synthesizer = AzureSynthesizer(AzureSpeechConfig("good-key", endpoint=service.host),
                                       voice="de-DE-KatjaNeural", timeout_s=5.0)
        pcm, rate = await synthesizer.synthesize("Guten Tag & willkommen.")
        assert rate == 24000
        assert pcm == FakeSpeechService.audio(3, 4800)
        pcm2, _ = await synthesizer.synthesize("Noch etwas?")  # the same synthesiser, again
        assert len(pcm2) == 3 * 4800
        await synthesizer.close()
        assert service.record.paths[0] == SYNTHESIS_PATH
        assert len(service.record.ssml) == 2
        assert "de-DE-KatjaNeural" in service.record.ssml[0]
        assert "Guten Tag &amp; willkommen." in service.record.ssml[0]


async def test_missing_region_and_endpoint_is_a_permanent_configuration_error() -> None:
    recognizer = AzureRecognizer(AzureSpeechConfig("key"))
    with pytest.raises(BrainUnavailable) as failure:
        await start_recognizer(recognizer)
    assert failure.value.permanent
    assert "azure_speech_region / azure_speech_endpoint" in str(failure.value)


async def test_the_whole_pipeline_from_settings_with_the_real_sdks(runtime: Runtime, settings: Settings,
                                                                   chat_server: FakeChatServer) -> None:
    """Settings → `build_from_settings` → real Speech SDK (both halves) and real `openai` SDK, all on loopback."""
    chat_server.script(Response(Text("Here are our tents. "), ToolCall("search_products", {"query": "tent"})),
                       Response(Text("The first one sleeps two.")))
    with FakeSpeechService(phrases=[Phrase(["show me", "show me tents"], "Show me tents.")],
                           after_audio_frames=3) as service:
        config = settings.replace(azure_speech_endpoint=service.host, chat_model="gpt-4o-mini")
        env = {"AISLE_NO_KEYRING": "1", "AZURE_SPEECH_KEY": "speech-key", "OPENAI_API_KEY": "sk-test",
               "OPENAI_BASE_URL": chat_server.base_url}
        brain = build_from_settings(config, runtime.tools, env, playback_slack_s=0.5)
        speaker = RecordingSpeaker()
        brain.attach_voice(speaker)
        events: list[Event] = []
        runtime.bus.subscribe(events.append)
        runtime.conversation.brain = brain
        await runtime.conversation.start_session()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10.0
        while not any(e.kind is EventKind.COMPLETION for e in events) and loop.time() < deadline:
            brain.feed_audio(b"\x00\x01" * 320)  # 20 ms blocks at 16 kHz
            await asyncio.sleep(0.02)
        completion = next(e.data for e in events if e.kind is EventKind.COMPLETION)
        assert completion == {"text": "Here are our tents. The first one sleeps two.", "interrupted": False}
        transcripts = [e.data for e in events if e.kind is EventKind.TRANSCRIPT]
        assert transcripts[-1] == {"role": "shopper", "text": "Show me tents.", "final": True}
        assert [e.data["name"] for e in events if e.kind is EventKind.FUNCTION_CALL] == ["search_products"]
        assert [(rate, samples) for _, _, samples, rate in speaker.plays] == [(24000, 7200), (24000, 7200)]
        assert len(service.record.ssml) == 2 and "Here are our tents." in service.record.ssml[0]
        await runtime.conversation.end_session("done")
        await brain.close()
