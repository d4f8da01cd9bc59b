"""The pipeline's thinking part: streamed chat completions with the shopping tools, one conversation per session.

    chat = ChatAgent(AsyncOpenAI(...), ChatConfig(model="gpt-4o-mini", key_setting="OPENAI_API_KEY"))
    chat.start(session)
    reply = await chat.run_turn(session, "a tent for two", tools, on_text)

`run_turn` adds the shopper's text to the session's messages and streams `chat.completions.create(stream=True,
tools=...)`: text deltas go to `on_text` as they arrive; tool-call deltas (several calls per response, each split
across chunks) are put together, every call is executed through the tool runner (which validates it and publishes
`function_call`), each answered with a `tool` message (a structured error when it failed), and the model is asked
again — until it answers without calls. Token usage is published as `usage` events.

Typed, tapped and spoken turns all land in the same message list, so there is one history per session.

Failures: 401/403 → `BrainUnavailable(permanent=True)` naming the key setting; 404 → permanent, naming `chat_model`;
refused/unreachable, throttled or failing service (after `attempts`), and our own timeouts (no first chunk within
`first_chunk_timeout_s`, a silent gap longer than `chunk_timeout_s`) → `BrainUnavailable(permanent=False)`.
A turn cancelled part-way (barge-in) leaves the messages consistent: every tool call that was made gets its answer,
and `record_reply` stores what the shopper actually heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import openai

from app.brain import BrainUnavailable, ToolRunner
from app.events import UsageRecorded
from app.session import ShopperSession
from app.tools.schemas import TOOL_SCHEMAS, ToolSchema

log = logging.getLogger("aisle.agent.speech_pipeline.chat")

TextHandler = Callable[[str], Awaitable[None] | None]
Message = dict[str, Any]

INSTRUCTIONS = """\
You are the voice assistant of {store}, speaking with a shopper at the store's self-service kiosk.
- Be brief and warm: one to three short sentences per reply. Your words are spoken aloud, so use plain sentences:
  no lists, markdown, emojis, URLs or product ids.
- Always answer in the language the shopper uses.
- Recommend and mention only products that the tools returned in this conversation; never invent products, prices,
  stock or specifications. Search with search_products before recommending anything. Results appear on the screen,
  so mention at most the two or three best matches by name and price.
- Add to the cart only what the shopper asked for. When they want to pay or are done: call view_cart, read the order
  back (items, quantities and total) and ask them to confirm. Call checkout only after they clearly confirm.
- When a tool fails, say briefly what went wrong and offer the next step.
- Shopper actions on the touch screen are noted in the conversation as system notes; take them into account.
"""


@dataclass(frozen=True)
class ChatConfig:
    model: str = "gpt-4o-mini"
    key_setting: str = "OPENAI_API_KEY"  # named in messages about a rejected key
    model_setting: str = "chat_model"
    where_setting: str = ""  # e.g. "azure_endpoint": named when the service cannot be reached
    store_name: str = "the store"
    instructions: str = INSTRUCTIONS
    first_chunk_timeout_s: float = 15.0  # request sent → first streamed chunk
    chunk_timeout_s: float = 10.0  # longest silence between chunks of a stream
    attempts: int = 2  # for refused connections, 429 and 5xx before any output of the request
    retry_delay_s: float = 0.5
    max_tool_rounds: int = 5  # then the model must answer in words (tool_choice "none")
    max_history_messages: int = 60
    temperature: float | None = None  # None: the model's default (some models accept no other)
    tools: list[ToolSchema] = field(default_factory=lambda: list(TOOL_SCHEMAS))


def chat_tools(schemas: list[ToolSchema]) -> list[dict[str, Any]]:
    """The tool schemas (flat `function` format) wrapped for chat completions, otherwise unchanged."""
    return [{"type": "function", "function": {k: v for k, v in schema.items() if k != "type"}} for schema in schemas]


@dataclass
class ChatReply:
    text: str
    tool_calls: int = 0
    requests: int = 0


@dataclass
class _PendingCall:
    call_id: str = ""
    name: str = ""
    arguments: str = ""


class ChatAgent:
    def __init__(self, client: openai.AsyncOpenAI, config: ChatConfig) -> None:
        self.client = client
        self.config = config
        self._tools = chat_tools(config.tools)
        self._messages: dict[str, list[Message]] = {}
        self._ids = itertools.count(1)

    # -- conversation state ------------------------------------------------------------------------------------------
    def start(self, session: ShopperSession) -> None:
        system = self.config.instructions.format(store=self.config.store_name)
        self._messages[session.id] = [{"role": "system", "content": system}]

    def forget(self, session_id: str) -> None:
        self._messages.pop(session_id, None)

    def messages(self, session: ShopperSession) -> list[Message]:
        if session.id not in self._messages:
            self.start(session)
        return self._messages[session.id]

    def note(self, session: ShopperSession, text: str) -> None:
        """Something the shopper did outside the conversation (a tap): the model sees it as a system note."""
        self.messages(session).append({"role": "system", "content": f"Note: {text}"})

    def record_reply(self, session: ShopperSession, text: str, replace_last: bool = False) -> None:
        """What the assistant actually said in an interrupted turn (what the shopper heard). `replace_last`: the
        model's complete answer is already recorded (speech was cut off after the text had streamed): amend it."""
        messages = self.messages(session)
        last = messages[-1] if messages else {}
        if replace_last and last.get("role") == "assistant" and not last.get("tool_calls"):
            if text.strip():
                last["content"] = text.strip()
            else:
                messages.pop()
        elif text.strip():
            messages.append({"role": "assistant", "content": text.strip()})

    def _trim(self, messages: list[Message]) -> None:
        limit = max(4, self.config.max_history_messages)
        if len(messages) <= limit + 1:
            return
        head, rest = messages[:1], messages[1:]
        rest = rest[len(rest) - limit:]
        while rest and rest[0].get("role") != "user":  # never start with a tool answer cut from its call
            rest.pop(0)
        messages[:] = head + rest

    # -- one turn ----------------------------------------------------------------------------------------------------
    async def run_turn(self, session: ShopperSession, text: str, tools: ToolRunner,
                       on_text: TextHandler | None = None) -> ChatReply:
        messages = self.messages(session)
        messages.append({"role": "user", "content": text})
        self._trim(messages)
        reply = ChatReply("")
        for round_no in itertools.count():
            force_words = round_no >= self.config.max_tool_rounds
            text_parts: list[str] = []
            calls = await self._stream_once(session, messages, on_text, text_parts, force_words)
            reply.requests += 1
            said = "".join(text_parts)
            if not calls:
                if said.strip():
                    messages.append({"role": "assistant", "content": said})
                reply.text += said
                return reply
            reply.text += said
            reply.tool_calls += len(calls)
            await self._run_calls(session, messages, said, calls, tools)
        raise AssertionError("unreachable")

    async def _run_calls(self, session: ShopperSession, messages: list[Message], said: str,
                         calls: list[_PendingCall], tools: ToolRunner) -> None:
        """Execute every call of one response, in order, and answer each. A cancellation (barge-in) lets the call in
        progress finish and starts no more; calls not run are answered as interrupted, so the history stays
        valid."""
        for call in calls:
            if not call.call_id:
                call.call_id = f"call_local_{next(self._ids)}"
        messages.append({
            "role": "assistant", "content": said or None,
            "tool_calls": [{"id": c.call_id, "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments or "{}"}} for c in calls],
        })

        stop = [False]

        async def run_all() -> None:
            for call in calls:
                if stop[0]:
                    return  # interrupted: the calls not started yet are answered as such below
                try:
                    result = await tools.call(session, call.name, call.arguments or "{}", call_id=call.call_id,
                                              source="assistant")
                except Exception as exc:  # the runner never raises; be safe anyway
                    log.exception("tool %s raised", call.name)
                    result = {"ok": False, "error": {"code": "tool_failed", "message": str(exc)}}
                messages.append({"role": "tool", "tool_call_id": call.call_id,
                                 "content": json.dumps(result, ensure_ascii=False, default=str)})

        task = asyncio.ensure_future(run_all())
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            stop[0] = True  # let the call in progress finish (its result is real), start no more
            with contextlib.suppress(Exception):
                await task
            raise
        finally:
            answered = {m.get("tool_call_id") for m in messages if m.get("role") == "tool"}
            for call in calls:
                if call.call_id not in answered:
                    messages.append({"role": "tool", "tool_call_id": call.call_id, "content": json.dumps(
                        {"ok": False, "error": {"code": "interrupted", "message": "The shopper interrupted."}})})

    async def _stream_once(self, session: ShopperSession, messages: list[Message], on_text: TextHandler | None,
                           text_parts: list[str], force_words: bool) -> list[_PendingCall]:
        """One streamed request, retried while nothing of it has been delivered; returns its tool calls."""
        attempt = 0
        while True:
            attempt += 1
            delivered: list[bool] = [False]
            try:
                return await self._stream(session, messages, on_text, text_parts, force_words, delivered)
            except BrainUnavailable:
                raise
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = self._failure(exc)
                retry = (_retryable(exc) and not delivered[0] and attempt < self.config.attempts)
                if not retry:
                    if failure is exc:
                        raise
                    raise failure from exc
                log.info("chat request failed (%s); retrying", failure)
                await asyncio.sleep(self.config.retry_delay_s * attempt)

    async def _stream(self, session: ShopperSession, messages: list[Message], on_text: TextHandler | None,
                      text_parts: list[str], force_words: bool, delivered: list[bool]) -> list[_PendingCall]:
        config = self.config
        kwargs: dict[str, Any] = {
            "model": config.model, "messages": list(messages), "tools": self._tools, "stream": True,
            "stream_options": {"include_usage": True},
        }
        if force_words:
            kwargs["tool_choice"] = "none"
        if config.temperature is not None:
            kwargs["temperature"] = config.temperature
        loop = asyncio.get_running_loop()
        first_by = loop.time() + config.first_chunk_timeout_s  # one budget for the headers and the first chunk
        try:
            stream = await asyncio.wait_for(self.client.chat.completions.create(**kwargs),
                                            config.first_chunk_timeout_s)
        except TimeoutError:
            raise self._timeout(config.first_chunk_timeout_s, "to start answering") from None
        calls: dict[int, _PendingCall] = {}
        first = True
        try:
            iterator = stream.__aiter__()
            while True:
                wait = max(0.05, first_by - loop.time()) if first else config.chunk_timeout_s
                try:
                    chunk = await asyncio.wait_for(iterator.__anext__(), wait)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    if first:
                        raise self._timeout(config.first_chunk_timeout_s, "to start answering") from None
                    raise self._timeout(wait, "between two parts of its answer") from None
                first = False
                if chunk.usage is not None:
                    self._publish_usage(session, chunk.usage)
                for choice in chunk.choices or []:
                    if choice.delta is not None:
                        await self._take_delta(choice.delta, calls, on_text, text_parts, delivered)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(stream.close(), 1.0)
        return [calls[i] for i in sorted(calls) if calls[i].name]

    @staticmethod
    async def _take_delta(delta: Any, calls: dict[int, _PendingCall], on_text: TextHandler | None,
                          text_parts: list[str], delivered: list[bool]) -> None:
        """One streamed delta: its text goes out at once, its tool-call pieces are joined by call index."""
        if delta.content:
            text_parts.append(delta.content)
            delivered[0] = True
            if on_text is not None:
                outcome = on_text(delta.content)
                if inspect.isawaitable(outcome):
                    await outcome
        for part in delta.tool_calls or []:
            delivered[0] = True
            pending = calls.setdefault(part.index if part.index is not None else len(calls), _PendingCall())
            if part.id:
                pending.call_id = part.id
            if part.function is not None:
                pending.name += part.function.name or ""
                pending.arguments += part.function.arguments or ""

    def _publish_usage(self, session: ShopperSession, usage: Any) -> None:
        session.publish(UsageRecorded(
            int(getattr(usage, "prompt_tokens", 0) or 0), int(getattr(usage, "completion_tokens", 0) or 0),
            int(getattr(usage, "total_tokens", 0) or 0), model=self.config.model))

    # -- errors ------------------------------------------------------------------------------------------------------
    @property
    def _where(self) -> str:
        return str(getattr(self.client, "base_url", "") or "the chat service")

    def _check_hint(self) -> str:
        return f"{self.config.where_setting} and the network" if self.config.where_setting else "the network"

    def _timeout(self, seconds: float, what: str) -> BrainUnavailable:
        return BrainUnavailable(
            f"The chat service at {self._where} took longer than {seconds:g} s {what}. Check {self._check_hint()}."
        )

    def _failure(self, exc: Exception) -> BrainUnavailable | Exception:
        config = self.config
        if isinstance(exc, openai.AuthenticationError):
            return BrainUnavailable(
                f"{config.key_setting} was rejected by the chat service (401: {_detail(exc)}). "
                f"Fix {config.key_setting}.",
                permanent=True,
            )
        if isinstance(exc, openai.PermissionDeniedError):
            return BrainUnavailable(
                f"{config.key_setting} may not use the chat model '{config.model}' (403: {_detail(exc)}). "
                f"Check {config.key_setting} and {config.model_setting}.",
                permanent=True,
            )
        if isinstance(exc, openai.NotFoundError):
            extra = f" and {config.where_setting}" if config.where_setting else ""
            return BrainUnavailable(
                f"The chat model '{config.model}' was not found at {self._where} (404: {_detail(exc)}). "
                f"Check {config.model_setting}{extra}.",
                permanent=True,
            )
        if isinstance(exc, openai.APITimeoutError):
            return BrainUnavailable(f"The chat service at {self._where} timed out. Check {self._check_hint()}.")
        if isinstance(exc, openai.APIConnectionError):
            return BrainUnavailable(
                f"Cannot reach the chat service at {self._where} ({_detail(exc)}). Check {self._check_hint()}."
            )
        if isinstance(exc, openai.RateLimitError):
            return BrainUnavailable(f"The chat service is throttling requests (429: {_detail(exc)}).")
        if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
            return BrainUnavailable(f"The chat service failed ({exc.status_code}: {_detail(exc)}).")
        return exc

    async def probe(self, timeout_s: float = 5.0) -> None:
        """Raise `BrainUnavailable` unless the chat service answers (cheap: lists models)."""
        try:
            await asyncio.wait_for(self.client.models.list(), timeout_s)
        except TimeoutError:
            raise self._timeout(timeout_s, "to answer") from None
        except Exception as exc:
            failure = self._failure(exc)
            raise (failure if isinstance(failure, BrainUnavailable) else BrainUnavailable(str(exc))) from exc

    async def close(self) -> None:
        self._messages.clear()
        with contextlib.suppress(Exception):
            await self.client.close()


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, openai.APITimeoutError):
        return False  # it already cost the whole timeout
    if isinstance(exc, openai.APIConnectionError | openai.RateLimitError):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


def _detail(exc: Exception) -> str:
    message = ""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = str(error.get("message") or "")
    if not message:
        message = str(getattr(exc, "message", "") or exc)
        cause = exc.__cause__
        if isinstance(exc, openai.APIConnectionError) and cause is not None:
            message = f"{message}: {type(cause).__name__}: {cause}".rstrip(": ")
    return message[:240]
