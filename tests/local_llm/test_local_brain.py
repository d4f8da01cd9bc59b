"""`--brain local`: an OpenAI-compatible chat endpoint answers with the shopping tools, streaming, through the speech
pipeline's chat loop; the offline agent answers when the endpoint is missing or slow. Against the faithful local
chat completions server (tests/fakes/chat_server.py), through the app's own brain selection and fallback."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.compose.brains import chosen_brain, make_brain_factory
from app.compose.runtime import build_runtime
from app.events import Event, EventKind
from app.settings import Settings, load_settings
from tests.fakes.chat_server import FakeChatServer, Response, Text, ToolCall

ENV = {"AISLE_NO_KEYRING": "1"}


def local_settings(settings: Settings, url: str, **more: Any) -> Settings:
    return load_settings({"data_dir": settings.data_dir, "catalog": settings.catalog, "brain": "local",
                          "llm_url": url, "llm_model": "qwen2.5:1.5b-instruct", **more}, environ={})


async def ask(settings: Settings, text: str) -> list[Event]:
    runtime = build_runtime(settings, make_brain_factory(settings, ENV))
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    try:
        await runtime.conversation.start_session()
        await runtime.conversation.submit_text(text)
        for _ in range(200):
            if any(e.kind is EventKind.COMPLETION for e in events):
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.close()
    return events


async def test_the_local_model_searches_with_the_tools_and_its_answer_streams(
        settings: Settings, chat_server: FakeChatServer) -> None:
    chat_server.script(
        Response(ToolCall("search_products", {"query": "tent", "max_price": 300})),
        Response(Text("I found two tents under 300 dollars. The first is on the screen.", piece=6)),
    )
    configured = local_settings(settings, chat_server.base_url)
    assert chosen_brain(configured, ENV) == "local"
    events = await ask(configured, "a tent for my daughter's summer camp, under 300 dollars")
    call = next(e for e in events if e.kind is EventKind.FUNCTION_CALL)
    assert call.data["name"] == "search_products" and call.data["parameters"]["max_price"] == 300
    chunks = [e.data["text"] for e in events if e.kind is EventKind.TEXT_CHUNK]
    assert len(chunks) > 3 and "".join(chunks) == "I found two tents under 300 dollars. The first is on the screen."
    completion = next(e for e in events if e.kind is EventKind.COMPLETION)
    assert completion.data == {"text": "".join(chunks), "interrupted": False}
    first, second = chat_server.completions
    assert first.body["model"] == "qwen2.5:1.5b-instruct" and first.body["stream"] is True
    assert "search_products" in {tool["function"]["name"] for tool in first.body["tools"]}
    answer = second.messages[-1]
    assert answer["role"] == "tool" and json.loads(answer["content"])["ok"] is True


async def test_a_slow_local_model_hands_the_turn_to_the_offline_agent(
        settings: Settings, chat_server: FakeChatServer) -> None:
    chat_server.script(Response(Text("too late"), first_chunk_after=3.0))
    configured = local_settings(settings, chat_server.base_url, llm_first_token_timeout_s=0.5)
    events = await ask(configured, "show me tents")
    changed = next(e for e in events if e.kind is EventKind.BRAIN_CHANGED)
    assert changed.data["brain"] == "offline" and changed.data["fallback"] is True
    assert "took longer than 0.5 s" in changed.data["reason"]
    completion = next(e for e in events if e.kind is EventKind.COMPLETION)
    assert "too late" not in completion.data["text"] and completion.data["text"]


async def test_no_endpoint_configured_means_offline_with_a_notice_naming_the_setting(settings: Settings) -> None:
    configured = local_settings(settings, "")
    events = await ask(configured, "show me tents")
    notice = next(e for e in events if e.kind is EventKind.NOTICE and e.data["code"] == "brain_fallback")
    assert "AISLE_LLM_URL" in notice.data["message"]
    assert next(e for e in events if e.kind is EventKind.COMPLETION).data["text"]
