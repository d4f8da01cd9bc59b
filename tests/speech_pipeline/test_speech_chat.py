"""The streamed chat-completions loop with the real `openai` SDK against the local fake service, and the real tools.

Covers: text deltas as they stream, tools given unchanged, several tool calls in one response (split across
chunks) all executed and answered, a failing tool answered with its structured error, the round limit, usage
events, the interrupted turn keeping the history valid, 401/403/404 as permanent errors naming the setting, stalls
and unreachable services as non-permanent errors within our timeouts, retries, and both Azure routes.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import openai
import pytest

from agent.speech_pipeline.chat import ChatAgent, ChatConfig, chat_tools
from agent.speech_pipeline.factory import build_chat
from app.brain import BrainUnavailable
from app.events import Event, EventKind
from app.runtime import Runtime
from app.session import ShopperSession
from app.settings import Settings
from app.tools.schemas import TOOL_SCHEMAS
from tests.fakes.chat_server import FakeChatServer, Response, Sleep, Stall, Status, Text, ToolCall
from tests.speech_pipeline.speech_server import refused_port

pytestmark = pytest.mark.timeout(20)


def make_chat(base_url: str, key: str = "sk-test", **config: Any) -> ChatAgent:
    client = openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0, timeout=10.0)
    options: dict[str, Any] = {"first_chunk_timeout_s": 2.0, "chunk_timeout_s": 2.0, "retry_delay_s": 0.05}
    options.update(config)
    return ChatAgent(client, ChatConfig(**options))


async def session_and_events(runtime: Runtime) -> tuple[ShopperSession, list[Event]]:
    session = await runtime.conversation.start_session()
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    return session, events


async def test_text_streams_as_deltas_and_the_tools_go_unchanged(runtime: Runtime,
                                                                  chat_server: FakeChatServer) -> None:
    chat_server.script(Response(Text("Hello! What are you shopping for today?", piece=6), usage=(30, 9)))
    chat = make_chat(chat_server.base_url)
    session, events = await session_and_events(runtime)
    chat.start(session)
    deltas: list[str] = []
    reply = await chat.run_turn(session, "hi", runtime.tools, deltas.append)
    assert reply.text == "Hello! What are you shopping for today?"
    assert len(deltas) > 3 and "".join(deltas) == reply.text
    request = chat_server.completions[0]
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["stream"] is True and request.body["model"] == "gpt-4o-mini"
    assert request.body["tools"] == chat_tools(TOOL_SCHEMAS)
    for wrapped, schema in zip(request.body["tools"], TOOL_SCHEMAS, strict=True):
        assert wrapped["type"] == "function"
        assert wrapped["function"]["parameters"] == schema["parameters"]
        assert wrapped["function"]["description"] == schema["description"]
    roles = [m["role"] for m in request.messages]
    assert roles == ["system", "user"]
    assert "checkout" in request.messages[0]["content"] and "language" in request.messages[0]["content"]
    assert [m["role"] for m in chat.messages(session)] == ["system", "user", "assistant"]
    usage = [e.data for e in events if e.kind is EventKind.USAGE]
    assert usage == [{"input_tokens": 30, "output_tokens": 9, "total_tokens": 39, "model": "gpt-4o-mini"}]
    await chat.close()


async def test_several_tool_calls_in_one_response_are_all_executed_and_answered(
        runtime: Runtime, chat_server: FakeChatServer) -> None:
    chat_server.script(
        Response(Text("Let me look. "),
                 ToolCall("search_products", {"query": "tent", "category": "tents", "max_price": 300},
                          call_id="call_a", pieces=4),
                 ToolCall("view_cart", {}, call_id="call_b"),
                 ToolCall("get_recommendations", {"based_on": "tents", "max_results": 2}, call_id="call_c",
                          pieces=5)),
        Response(Text("I found some tents for you. Your cart is empty.")),
    )
    chat = make_chat(chat_server.base_url)
    session, events = await session_and_events(runtime)
    chat.start(session)
    reply = await chat.run_turn(session, "show me tents under 300", runtime.tools)
    assert reply.tool_calls == 3 and reply.requests == 2
    assert reply.text == "Let me look. I found some tents for you. Your cart is empty."
    calls = [e.data for e in events if e.kind is EventKind.FUNCTION_CALL]
    assert [(c["name"], c["call_id"], c["source"]) for c in calls] == [
        ("search_products", "call_a", "assistant"), ("view_cart", "call_b", "assistant"),
        ("get_recommendations", "call_c", "assistant")]
    assert all(c["result"]["ok"] for c in calls)
    assert calls[0]["parameters"] == {"query": "tent", "category": "tents", "max_price": 300, "limit": 10}
    second = chat_server.completions[1].messages
    assistant = second[-4]
    assert assistant["role"] == "assistant" and assistant["content"] == "Let me look. "
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_a", "call_b", "call_c"]
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"])["max_price"] == 300
    answers = second[-3:]
    assert [m["role"] for m in answers] == ["tool"] * 3
    assert [m["tool_call_id"] for m in answers] == ["call_a", "call_b", "call_c"]
    found = json.loads(answers[0]["content"])
    assert found["ok"] and found["count"] > 0 and found["products"][0]["id"].startswith("TNT-")
    await chat.close()


async def test_a_failing_tool_goes_back_to_the_model_as_a_structured_error(
        runtime: Runtime, chat_server: FakeChatServer) -> None:
    chat_server.script(
        Response(ToolCall("add_to_cart", {"product_id": "TNT-9999", "quantity": 1}, call_id="call_x")),
        Response(Text("I couldn't find that tent. Shall I search for similar ones?")),
        Response(Text("Sure.")),
    )
    chat = make_chat(chat_server.base_url)
    session, _ = await session_and_events(runtime)
    chat.start(session)
    reply = await chat.run_turn(session, "add TNT-9999", runtime.tools)
    assert reply.text.startswith("I couldn't find that tent.")
    answer = chat_server.completions[1].messages[-1]
    assert answer["role"] == "tool" and answer["tool_call_id"] == "call_x"
    result = json.loads(answer["content"])
    assert result["ok"] is False and result["error"]["code"] == "unknown_product"
    assert session.cart.lines == []
    # the conversation carries on, with the whole history
    await chat.run_turn(session, "yes please", runtime.tools)
    roles = [m["role"] for m in chat_server.completions[2].messages]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user"]
    await chat.close()


async def test_tool_rounds_are_limited_then_the_model_must_answer(runtime: Runtime,
                                                                  chat_server: FakeChatServer) -> None:
    chat_server.script(*[Response(ToolCall("view_cart", {})) for _ in range(2)], Response(Text("Your cart is empty.")))
    chat = make_chat(chat_server.base_url, max_tool_rounds=2)
    session, _ = await session_and_events(runtime)
    reply = await chat.run_turn(session, "what's in my cart?", runtime.tools)
    assert reply.text == "Your cart is empty."
    bodies = [r.body for r in chat_server.completions]
    assert [b.get("tool_choice") for b in bodies] == [None, None, "none"]
    await chat.close()


class GatedTools:
    """The real tool runner, but each call waits for the test to open the gate (to interrupt mid-call)."""

    def __init__(self, tools: Any) -> None:
        self.tools = tools
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()
        self.started: list[str] = []

    async def call(self, session: ShopperSession, name: str, arguments: Any, call_id: str = "",
                   source: str = "assistant") -> dict[str, Any]:
        self.started.append(name)
        self.entered.set()
        await self.gate.wait()
        return dict(await self.tools.call(session, name, arguments, call_id=call_id, source=source))


async def test_an_interrupted_turn_leaves_every_call_answered(runtime: Runtime, chat_server: FakeChatServer) -> None:
    chat_server.script(Response(ToolCall("view_cart", {}, call_id="c1"), ToolCall("view_cart", {}, call_id="c2")),
                       Response(Text("Next turn.")))
    chat = make_chat(chat_server.base_url)
    session, _ = await session_and_events(runtime)
    tools = GatedTools(runtime.tools)
    task = asyncio.create_task(chat.run_turn(session, "cart?", tools))
    await asyncio.wait_for(tools.entered.wait(), 5)
    task.cancel()
    await asyncio.sleep(0.05)
    tools.gate.set()  # the call in progress finishes; the second one never starts
    with pytest.raises(asyncio.CancelledError):
        await task
    assert tools.started == ["view_cart"]
    messages = chat.messages(session)
    assert [m["role"] for m in messages[-3:]] == ["assistant", "tool", "tool"]
    assert json.loads(messages[-2]["content"])["ok"] is True
    assert json.loads(messages[-1]["content"])["error"]["code"] == "interrupted"
    chat.record_reply(session, "One moment")
    await chat.run_turn(session, "never mind", runtime.tools)
    sent = chat_server.completions[1].messages
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "tool", "assistant", "user"]
    await chat.close()


@pytest.mark.parametrize(("status", "fragment"), [
    (401, "OPENAI_API_KEY was rejected"), (403, "may not use the chat model 'gpt-4o-mini'"),
    (404, "Check chat_model"),
])
async def test_refusals_are_permanent_and_name_the_setting(runtime: Runtime, chat_server: FakeChatServer,
                                                           status: int, fragment: str) -> None:
    chat_server.script(Response(Status(status, "nope")))
    chat = make_chat(chat_server.base_url)
    session, _ = await session_and_events(runtime)
    started = time.monotonic()
    with pytest.raises(BrainUnavailable) as failure:
        await chat.run_turn(session, "hi", runtime.tools)
    assert time.monotonic() - started < 1.0
    assert failure.value.permanent
    assert fragment in str(failure.value)
    assert len(chat_server.completions) == 1  # no retry loop
    await chat.close()


async def test_wrong_key_against_the_keyed_server(runtime: Runtime, chat_server: FakeChatServer) -> None:
    chat = make_chat(chat_server.base_url, key="sk-wrong")
    session, _ = await session_and_events(runtime)
    with pytest.raises(BrainUnavailable) as failure:
        await chat.run_turn(session, "hi", runtime.tools)
    assert failure.value.permanent and "Fix OPENAI_API_KEY" in str(failure.value)
    with pytest.raises(BrainUnavailable):
        await chat.probe()
    await chat.close()


async def test_a_stall_before_the_first_chunk_is_cut_off_by_our_timeout(runtime: Runtime,
                                                                        chat_server: FakeChatServer) -> None:
    chat_server.script(Response(Stall(30)))
    chat = make_chat(chat_server.base_url, first_chunk_timeout_s=1.0)
    session, _ = await session_and_events(runtime)
    started = time.monotonic()
    with pytest.raises(BrainUnavailable) as failure:
        await chat.run_turn(session, "hi", runtime.tools)
    assert 0.9 <= time.monotonic() - started < 2.0
    assert not failure.value.permanent
    assert "took longer than 1 s to start answering" in str(failure.value)
    assert len(chat_server.completions) == 1  # a timeout is not retried: it already cost its time
    await chat.close()


async def test_a_stall_mid_stream_is_cut_off_too(runtime: Runtime, chat_server: FakeChatServer) -> None:
    chat_server.script(Response(Text("Let me check that for you. "), Stall(30)))
    chat = make_chat(chat_server.base_url, chunk_timeout_s=0.8)
    session, _ = await session_and_events(runtime)
    deltas: list[str] = []
    started = time.monotonic()
    with pytest.raises(BrainUnavailable) as failure:
        await chat.run_turn(session, "hi", runtime.tools, deltas.append)
    assert time.monotonic() - started < 2.0
    assert not failure.value.permanent and "between two parts" in str(failure.value)
    assert "".join(deltas) == "Let me check that for you. "
    await chat.close()


async def test_an_unreachable_service_is_retried_then_reported(runtime: Runtime) -> None:
    chat = make_chat(f"http://127.0.0.1:{refused_port()}/v1", attempts=2)
    session, _ = await session_and_events(runtime)
    started = time.monotonic()
    with pytest.raises(BrainUnavailable) as failure:
        await chat.run_turn(session, "hi", runtime.tools)
    assert time.monotonic() - started < 2.0
    assert not failure.value.permanent
    assert "Cannot reach the chat service at http://127.0.0.1:" in str(failure.value)
    await chat.close()


async def test_a_server_error_before_any_output_is_retried(runtime: Runtime, chat_server: FakeChatServer) -> None:
    chat_server.script(Response(Status(500, "boom", error_type="server_error")), Response(Text("Hello again.")))
    chat = make_chat(chat_server.base_url)
    session, _ = await session_and_events(runtime)
    reply = await chat.run_turn(session, "hi", runtime.tools)
    assert reply.text == "Hello again."
    assert len(chat_server.completions) == 2


async def test_slow_but_steady_streams_are_fine(runtime: Runtime, chat_server: FakeChatServer) -> None:
    chat_server.script(Response(Text("One. "), Sleep(0.5), Text("Two. "), Sleep(0.5), Text("Three.")))
    chat = make_chat(chat_server.base_url, chunk_timeout_s=0.8)
    session, _ = await session_and_events(runtime)
    reply = await chat.run_turn(session, "count", runtime.tools)
    assert reply.text == "One. Two. Three."


def _settings(settings: Settings, **changes: Any) -> Settings:
    return settings.replace(**changes)


async def test_azure_deployment_route_sends_api_key_and_api_version(runtime: Runtime, settings: Settings,
                                                                    chat_server: FakeChatServer) -> None:
    chat_server.script(Response(Text("Hallo!")))
    config = _settings(settings, azure_endpoint=chat_server.root, azure_api_version="2024-10-21",
                       chat_model="my-chat")
    chat = build_chat(config, {"AZURE_OPENAI_API_KEY": "sk-test", "AISLE_NO_KEYRING": "1"})
    session, _ = await session_and_events(runtime)
    reply = await chat.run_turn(session, "hallo", runtime.tools)
    assert reply.text == "Hallo!"
    request = chat_server.completions[0]
    assert request.path == "/openai/deployments/my-chat/chat/completions"
    assert request.query["api-version"] == ["2024-10-21"]
    assert request.headers["api-key"] == "sk-test"
    await chat.close()


async def test_azure_v1_route_and_its_wrong_key_message(runtime: Runtime, settings: Settings,
                                                        chat_server: FakeChatServer) -> None:
    chat_server.script(Response(Text("Hi.")))
    config = _settings(settings, azure_endpoint=f"{chat_server.root}/openai/v1", chat_model="my-chat")
    chat = build_chat(config, {"AZURE_OPENAI_API_KEY": "sk-test", "AISLE_NO_KEYRING": "1"})
    session, _ = await session_and_events(runtime)
    await chat.run_turn(session, "hi", runtime.tools)
    request = chat_server.completions[0]
    assert request.path == "/openai/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test" and request.body["model"] == "my-chat"
    await chat.close()
    wrong = build_chat(config, {"AZURE_OPENAI_API_KEY": "sk-wrong", "AISLE_NO_KEYRING": "1"})
    with pytest.raises(BrainUnavailable) as failure:
        await wrong.run_turn(session, "hi", runtime.tools)
    assert failure.value.permanent and "AZURE_OPENAI_API_KEY was rejected" in str(failure.value)
    await wrong.close()


def test_build_chat_without_keys_names_them(settings: Settings) -> None:
    with pytest.raises(BrainUnavailable) as failure:
        build_chat(settings, {"AISLE_NO_KEYRING": "1"})
    assert failure.value.permanent and "OPENAI_API_KEY" in str(failure.value)
    with pytest.raises(BrainUnavailable) as azure_failure:
        build_chat(_settings(settings, azure_endpoint="https://res.openai.azure.com"), {"AISLE_NO_KEYRING": "1"})
    assert "AZURE_OPENAI_API_KEY" in str(azure_failure.value)


async def test_slow_headers_and_a_slow_first_chunk_share_one_budget(runtime: Runtime,
                                                                    chat_server: FakeChatServer) -> None:
    chat_server.script(Response(Text("Too late."), headers_after=0.6, first_chunk_after=0.6),
                       Response(Text("In time."), headers_after=0.3, first_chunk_after=0.3))
    chat = make_chat(chat_server.base_url, first_chunk_timeout_s=1.0)
    session, _ = await session_and_events(runtime)
    started = time.monotonic()
    with pytest.raises(BrainUnavailable) as failure:
        await chat.run_turn(session, "hi", runtime.tools)
    assert 0.9 <= time.monotonic() - started < 1.3
    assert not failure.value.permanent and "to start answering" in str(failure.value)
    reply = await chat.run_turn(session, "hi again", runtime.tools)
    assert reply.text == "In time."
    await chat.close()
