"""The realtime brain in a real runtime, talking to the faithful local realtime server through the real openai SDK."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from agent.realtime.brain import RealtimeBrain
from app.compose.brains import make_brain_factory
from app.compose.runtime import build_runtime
from app.events import Event, EventKind
from app.fallback import FallbackBrain
from app.runtime import Runtime
from app.settings import Settings
from tests.fakes.realtime_server import (
    AudioReply,
    Close,
    FakeRealtimeServer,
    FunctionCalls,
    TextReply,
    WaitFor,
)
from tests.fakes.speaker import PacedSpeaker


@dataclasses.dataclass
class Kiosk:
    runtime: Runtime
    events: list[Event]

    @property
    def fallback(self) -> FallbackBrain:
        brain = self.runtime.conversation.brain
        assert isinstance(brain, FallbackBrain)
        return brain

    @property
    def realtime(self) -> RealtimeBrain:
        primary = self.fallback.primary
        assert isinstance(primary, RealtimeBrain)
        return primary

    def of(self, kind: EventKind) -> list[dict[str, Any]]:
        return [e.data for e in self.events if e.kind is kind]

    async def until(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        async with asyncio.timeout(within):
            while not predicate():  # noqa: ASYNC110 (polling observable state in a test)
                await asyncio.sleep(0.01)


def openai_env(server: FakeRealtimeServer, key: str = "sk-test") -> dict[str, str]:
    return {"OPENAI_API_KEY": key, "OPENAI_REALTIME_URL": server.url("/v1"), "AISLE_NO_KEYRING": "1"}


@pytest_asyncio.fixture
async def make_kiosk(settings: Settings) -> AsyncIterator[Callable[..., Kiosk]]:
    built: list[Runtime] = []

    def make(env: dict[str, str], **changes: Any) -> Kiosk:
        configured = settings.replace(**{"brain": "openai", **changes})
        runtime = build_runtime(configured, make_brain_factory(configured, env))
        events: list[Event] = []
        runtime.bus.subscribe(events.append)
        built.append(runtime)
        return Kiosk(runtime, events)

    yield make
    for runtime in built:
        await runtime.close()


async def test_a_typed_turn_runs_the_tool_the_model_asked_for_and_streams_the_answer(server, make_kiosk) -> None:
    server.script(
        WaitFor("response.create"),
        FunctionCalls([("search_products", {"query": "tent", "max_price": 300})]),
        WaitFor("response.create"),
        TextReply("I found some tents under 300 dollars."),
    )
    kiosk = make_kiosk(openai_env(server))
    await kiosk.runtime.conversation.submit_text("I need a tent under 300 dollars")

    calls = kiosk.of(EventKind.FUNCTION_CALL)
    assert [c["name"] for c in calls] == ["search_products"]
    assert calls[0]["parameters"]["max_price"] == 300
    assert calls[0]["result"]["ok"] and calls[0]["result"]["count"] > 0
    assert kiosk.of(EventKind.COMPLETION)[-1]["text"] == "I found some tents under 300 dollars."
    assert "".join(c["text"] for c in kiosk.of(EventKind.TEXT_CHUNK)) == "I found some tents under 300 dollars."
    session = server.sessions[0]
    types = session.types()
    assert types.index("conversation.item.create") < types.index("response.create")
    assert types.count("response.create") == 2
    output_index = types.index("function_call_output") if "function_call_output" in types else None
    outputs = [m for m in session.received if m.data.get("item", {}).get("type") == "function_call_output"]
    assert output_index is None and len(outputs) == 1
    assert session.received.index(outputs[0]) < len(types) - 1 - types[::-1].index("response.create")


async def test_every_call_in_one_response_is_answered_then_one_response_create(server, make_kiosk) -> None:
    server.script(
        WaitFor("response.create"),
        FunctionCalls([
            ("search_products", {"query": "headlamp"}),
            ("view_cart", {}),
            ("add_to_cart", {"product_id": "NOPE-404"}),
        ]),
        WaitFor("response.create"),
        TextReply("Done."),
    )
    kiosk = make_kiosk(openai_env(server))
    await kiosk.runtime.conversation.submit_text("headlamps please, and what's in my cart?")

    session = server.sessions[0]
    outputs = [m.data["item"] for m in session.received if m.data.get("item", {}).get("type") == "function_call_output"]
    assert len(outputs) == 3
    failing = [o for o in outputs if '"ok": false' in o["output"]]
    assert len(failing) == 1 and "suggestions" in failing[0]["output"]
    last_output = max(session.received.index(m) for m in session.received
                      if m.data.get("item", {}).get("type") == "function_call_output")
    after = [m.type for m in session.received[last_output + 1:]]
    assert after.count("response.create") == 1
    assert kiosk.runtime.conversation.session is not None
    assert kiosk.runtime.conversation.session.cart.lines == []
    assert kiosk.of(EventKind.COMPLETION)[-1]["text"] == "Done."


async def test_barge_in_truncates_at_exactly_what_the_speaker_played(server, make_kiosk) -> None:
    server.script(WaitFor("response.create"), AudioReply("A long answer about tents.", chunks=60, chunk_ms=40,
                                                         spacing=0.04))
    kiosk = make_kiosk(openai_env(server))
    speaker = PacedSpeaker()
    kiosk.realtime.attach_voice(speaker)
    turn = asyncio.create_task(kiosk.runtime.conversation.submit_text("tell me about tents"))
    await kiosk.until(lambda: speaker.is_playing())
    await asyncio.sleep(0.5)
    await kiosk.realtime.shopper_speech_started()
    await asyncio.wait_for(turn, 5)

    assert not speaker.is_playing()
    truncates = await server.wait_for("conversation.item.truncate")
    item_id = truncates[0]["item_id"]
    played = speaker.stops[0][item_id]
    assert truncates[0]["audio_end_ms"] == played * 1000 // 24000
    assert 300 <= truncates[0]["audio_end_ms"] <= 900
    assert server.sessions[0].types().count("response.cancel") == 1
    assert kiosk.of(EventKind.COMPLETION)[-1]["interrupted"] is True


async def test_a_dropped_connection_reconnects_with_the_conversation_carried_over(server, make_kiosk) -> None:
    server.script(
        WaitFor("response.create"),
        FunctionCalls([("search_products", {"query": "sleeping bag", "max_price": 150})]),
        WaitFor("response.create"),
        TextReply("Here are some sleeping bags."),
        Close(1001),
    )
    kiosk = make_kiosk(openai_env(server))
    await kiosk.runtime.conversation.submit_text("sleeping bags under 150")
    second = await server.wait_for_session(1)
    updates = await server.wait_for("session.update", session=1)
    instructions = updates[0]["session"]["instructions"]
    assert "sleeping bags under 150" in instructions
    assert "Here are some sleeping bags." in instructions
    assert "Products on the screen" in instructions
    notices = [n["code"] for n in kiosk.of(EventKind.NOTICE)]
    assert notices[:2] == ["reconnecting", "reconnected"]

    await kiosk.runtime.conversation.submit_text("thanks")
    assert second.types().count("response.create") == 1
    assert kiosk.of(EventKind.COMPLETION)[-1]["text"]
    assert kiosk.fallback.on_cloud


async def test_the_session_rotates_while_the_shopper_is_quiet_and_keeps_the_cart(server, make_kiosk) -> None:
    server.script(
        WaitFor("response.create"),
        FunctionCalls([("search_products", {"query": "headlamp"})]),
        WaitFor("response.create"),
        TextReply("Here are headlamps."),
    )
    kiosk = make_kiosk(openai_env(server))
    brain = kiosk.realtime
    brain.options = dataclasses.replace(brain.options, rotate_after_s=0.6, quiet_before_rotate_s=0.2)
    await kiosk.runtime.conversation.submit_text("headlamps")
    shown = kiosk.of(EventKind.FUNCTION_CALL)[0]["result"]["products"][0]["id"]
    await kiosk.runtime.conversation.touch("add_to_cart", {"product_id": shown}, "Add to cart")
    await server.wait_for_session(1, within=5)
    updates = await server.wait_for("session.update", session=1)
    assert f"1 x {shown}" in updates[0]["session"]["instructions"]
    assert not kiosk.of(EventKind.NOTICE), "rotation must be invisible to the shopper"


async def test_a_wrong_key_falls_back_to_offline_at_once_with_a_message_naming_the_setting(make_kiosk) -> None:
    async with FakeRealtimeServer(api_key="sk-right") as server:
        kiosk = make_kiosk(openai_env(server, key="sk-wrong"))
        await kiosk.runtime.conversation.submit_text("show me tents under 200")
        assert len(server.sessions) == 1, "a refused key must not be retried"
    changed = kiosk.of(EventKind.BRAIN_CHANGED)
    assert changed and changed[0]["brain"] == "offline" and changed[0]["fallback"] is True
    assert "OPENAI_API_KEY" in changed[0]["reason"]
    assert any("OPENAI_API_KEY" in n["message"] for n in kiosk.of(EventKind.NOTICE))
    assert kiosk.of(EventKind.FUNCTION_CALL)[0]["name"] == "search_products"
    assert kiosk.of(EventKind.COMPLETION)[-1]["text"]
    assert kiosk.fallback._probe_task is None, "a permanent failure is not probed"


async def test_a_missing_key_for_a_chosen_cloud_brain_runs_offline_and_says_so(settings) -> None:
    configured = settings.replace(brain="openai")
    runtime = build_runtime(configured, make_brain_factory(configured, {"AISLE_NO_KEYRING": "1"}))
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    try:
        await runtime.conversation.submit_text("hello")
    finally:
        await runtime.close()
    reasons = [e.data["reason"] for e in events if e.kind is EventKind.BRAIN_CHANGED]
    assert reasons and "OPENAI_API_KEY is not set" in reasons[0]


async def test_usage_is_recorded_per_response_and_the_budget_ends_voice_politely(server, make_kiosk) -> None:
    kiosk = make_kiosk(openai_env(server), session_token_budget=1)
    await kiosk.runtime.conversation.submit_text("hello there")
    await kiosk.until(lambda: not kiosk.fallback.on_cloud)
    usage = kiosk.of(EventKind.USAGE)
    assert usage and usage[0]["total_tokens"] > 0
    assert "token_budget" in [n["code"] for n in kiosk.of(EventKind.NOTICE)]
    await kiosk.runtime.conversation.submit_text("show me backpacks")
    assert kiosk.of(EventKind.FUNCTION_CALL)[-1]["name"] == "search_products"  # the offline brain answered

    session_id = kiosk.runtime.conversation.session.id  # type: ignore[union-attr]
    await kiosk.runtime.run_blocking(kiosk.runtime.history.flush)
    detail = await kiosk.runtime.run_blocking(lambda: kiosk.runtime.history.session(session_id))
    assert detail is not None and detail["usage"]["total_tokens"] == usage[0]["total_tokens"]

    await kiosk.runtime.conversation.end_session("finished")
    await kiosk.runtime.conversation.start_session()
    assert kiosk.fallback.on_cloud, "the next shopper gets the cloud brain again"


@pytest.mark.parametrize("api_version, path, dialect", [
    ("", "/openai/v1/realtime", "ga"),
    ("2024-10-01-preview", "/openai/realtime", "beta"),
])
async def test_azure_routes_use_their_url_and_auth_header(server, make_kiosk, api_version, path, dialect) -> None:
    env = {"AZURE_OPENAI_API_KEY": "azure-key", "AISLE_NO_KEYRING": "1"}
    kiosk = make_kiosk(env, brain="azure", azure_endpoint=server.http_url, azure_deployment="gpt-rt",
                       azure_api_version=api_version)
    await kiosk.runtime.conversation.submit_text("hello")
    session = server.sessions[0]
    assert session.path.split("?")[0] == path and session.dialect == dialect
    if api_version:
        assert session.query["api-version"] == api_version and session.query["deployment"] == "gpt-rt"
        assert session.headers.get("api-key") == "azure-key"
    else:
        assert session.query["model"] == "gpt-rt"
        assert session.headers.get("authorization") == "Bearer azure-key"
    assert kiosk.of(EventKind.COMPLETION)[-1]["text"], "beta and GA replies both reach the shopper"
    assert kiosk.fallback.on_cloud


async def test_probe_tells_a_refused_service_from_a_reachable_one(server) -> None:
    from agent.realtime.endpoints import openai_endpoint
    from app.brain import BrainUnavailable

    tools = None  # probing never calls tools
    live = RealtimeBrain(openai_endpoint("sk-test", "gpt-realtime", websocket_base_url=server.url("/v1")), tools)  # type: ignore[arg-type]
    await live.probe()
    port = server.port
    await server.stop()
    gone = RealtimeBrain(openai_endpoint("sk-test", "gpt-realtime", websocket_base_url=f"ws://127.0.0.1:{port}/v1"),
                         tools)  # type: ignore[arg-type]
    with pytest.raises(BrainUnavailable) as failure:
        await gone.probe()
    assert not failure.value.permanent
