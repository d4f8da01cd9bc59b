"""`--brain local`: the store's own chat model answers, with the shopping tools, streaming; the kiosk hears and
speaks locally.

    AISLE_LLM_URL=http://127.0.0.1:11434/v1 AISLE_LLM_MODEL=qwen2.5:1.5b-instruct aisle --brain local

Any OpenAI-compatible chat completions endpoint works (Ollama, llama.cpp server, vLLM, LM Studio). The chat loop is
the Azure Speech pipeline's (:class:`agent.speech_pipeline.chat.ChatAgent`: streamed text, several tool calls per
response, structured tool errors, bounded tool rounds, one message history per session); this brain only turns its
text deltas into `text_chunk` events and ends each turn with one `completion`. It is not a listening brain, so the
voice loop recognises the shopper (grammar + Whisper) and speaks the reply sentence by sentence with espeak-ng.

A missing endpoint or model is a permanent `BrainUnavailable` naming the setting; an endpoint that cannot be reached,
fails, or takes longer than `llm_first_token_timeout_s` to start answering is a passing one: the app's
`FallbackBrain` answers with the offline agent and probes the endpoint until it answers again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from typing import Any

import openai

from agent.speech_pipeline.chat import ChatAgent, ChatConfig
from app.brain import BrainUnavailable, ToolRunner
from app.events import ReplyChunkStreamed, ReplyCompleted
from app.secrets import get_secret
from app.session import ShopperSession
from app.settings import Settings

log = logging.getLogger("aisle.agent.local_llm")

KEY_SETTING = "AISLE_LLM_API_KEY"  # most local servers take any key; some (vLLM --api-key, LM Studio) check one


class LocalChatBrain:
    """A chat model behind an OpenAI-compatible endpoint, as a text brain."""

    name = "local"

    def __init__(self, chat: ChatAgent, tools: ToolRunner) -> None:
        self.chat = chat
        self.tools = tools
        self._reply: asyncio.Task[Any] | None = None

    async def start_session(self, session: ShopperSession) -> None:
        self.chat.start(session)

    async def respond(self, session: ShopperSession, text: str) -> None:
        await self.interrupt(session)  # one reply at a time: a new turn supersedes the one still going
        said: list[str] = []

        def on_text(delta: str) -> None:
            said.append(delta)
            session.publish(ReplyChunkStreamed(delta))

        task = asyncio.ensure_future(self.chat.run_turn(session, text, self.tools, on_text))
        self._reply = task
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            heard = "".join(said)
            self.chat.record_reply(session, heard)
            if heard:
                session.add_turn("assistant", heard)
            session.publish(ReplyCompleted(heard, interrupted=True))
            return
        except BrainUnavailable:
            if said:  # the model had begun: close that reply; the offline agent answers next
                session.publish(ReplyCompleted("".join(said), interrupted=True))
            raise
        finally:
            if self._reply is task:
                self._reply = None
        reply = "".join(said)
        session.add_turn("assistant", reply)
        session.publish(ReplyCompleted(reply, interrupted=False))

    async def note_action(self, session: ShopperSession, summary: str) -> None:
        self.chat.note(session, summary)

    async def interrupt(self, session: ShopperSession) -> None:
        task = self._reply
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=5.0)

    async def end_session(self, session: ShopperSession) -> None:
        await self.interrupt(session)
        self.chat.forget(session.id)

    async def close(self) -> None:
        await self.chat.close()

    async def probe(self) -> None:
        await self.chat.probe()


def build_local_brain(settings: Settings, tools: ToolRunner, env: Mapping[str, str] | None = None,
                      connect_timeout_s: float = 3.0) -> LocalChatBrain:
    """The local brain from `llm_url` / `llm_model` (AISLE_LLM_URL / AISLE_LLM_MODEL); raises a permanent
    `BrainUnavailable` naming what is missing."""
    environ = os.environ if env is None else env
    url = settings.llm_url.strip()
    if not url:
        raise BrainUnavailable("The local brain needs AISLE_LLM_URL: the address of an OpenAI-compatible chat "
                               "endpoint, e.g. http://127.0.0.1:11434/v1 for Ollama.", permanent=True)
    if not settings.llm_model.strip():
        raise BrainUnavailable("The local brain needs AISLE_LLM_MODEL: the name of the chat model at "
                               f"{url}.", permanent=True)
    first = settings.llm_first_token_timeout_s
    timeout = openai.Timeout(connect=connect_timeout_s, read=first + 10.0, write=10.0, pool=connect_timeout_s)
    client = openai.AsyncOpenAI(base_url=url, api_key=get_secret(KEY_SETTING, environ) or "local", timeout=timeout,
                                max_retries=0)
    config = ChatConfig(model=settings.llm_model.strip(), key_setting=KEY_SETTING, model_setting="llm_model",
                        where_setting="llm_url", store_name=settings.store_name, first_chunk_timeout_s=first,
                        chunk_timeout_s=max(first, 10.0), attempts=1)
    log.info("local brain: %s at %s", config.model, url)
    return LocalChatBrain(ChatAgent(client, config), tools)
