"""The realtime voice brain: the OpenAI Realtime model, directly or on Azure OpenAI, behind Aisle's `Brain`.

One class serves every route; `RealtimeEndpoint` and the protocol adapter below it hide GA vs beta. What this class
adds is the conversation behaviour the shopper notices:

- Typed and tapped turns go into the same realtime conversation as speech (`conversation.item.create`).
- Audio deltas go to the speaker as they arrive; both sides' transcripts stream as events, ordered by conversation
  item: assistant text that arrives before the shopper's own transcript is held back until that transcript lands.
- Every function call in a response is executed as soon as its arguments are complete (so cards render while the
  model talks), answered with a `function_call_output` even when it failed, then one `response.create` follows.
- Barge-in: playback stops at once, the response is cancelled and the assistant item is truncated at the audio the
  speaker really played (deleted when nothing was played).
- A dropped socket is reopened with exponential backoff and the conversation state carried over; a wrong key fails
  at once as a permanent `BrainUnavailable`; an outage longer than the retries is a temporary one. The app's
  `FallbackBrain` turns both into the offline brain, visibly.
- Before the service's session cap, while the shopper is quiet, the session is rotated to a fresh socket carrying
  instructions, a summary, recent turns and the cart.
- `response.done` usage is published per response; past the per-session token budget the voice session ends
  politely and the offline brain takes over for the rest of that shopper's visit.

Its parts: the socket (`link`), shopper-first ordering of text (`transcript_order`), function calls (`tool_calls`),
the token budget (`budget`), what a session starts with (`session_setup`) and barge-in truncation (`truncation`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from agent.realtime import events as rt
from agent.realtime.budget import TokenBudget
from agent.realtime.connection import Backoff
from agent.realtime.endpoints import RealtimeEndpoint
from agent.realtime.link import RealtimeLink, probe_endpoint
from agent.realtime.session_setup import INSTRUCTIONS, RealtimeOptions, session_config, state_to_carry
from agent.realtime.tool_calls import ToolCalls
from agent.realtime.transcript_order import TranscriptOrder
from agent.realtime.truncation import cut_off_event
from app.brain import BrainUnavailable, SpeechOutput, ToolRunner, UnavailableHook
from app.events import (
    ErrorRaised,
    NoticePosted,
    Payload,
    ReplyChunkStreamed,
    ReplyCompleted,
    TranscriptHeard,
    VoiceState,
    VoiceStateChanged,
)
from app.session import ShopperSession

log = logging.getLogger("aisle.agent.realtime")

class RealtimeBrain:
    input_samplerate = rt.SAMPLE_RATE

    def __init__(self, endpoint: RealtimeEndpoint, tools: ToolRunner, name: str = "openai",
                 options: RealtimeOptions | None = None, instructions: str = INSTRUCTIONS,
                 backoff: Backoff | None = None) -> None:
        self.name = name
        self.endpoint = endpoint
        self.tools = tools
        self.options = options or RealtimeOptions()
        self.instructions = instructions
        self.backoff = backoff or Backoff(initial=0.5, factor=2.0, max=8.0)
        self.on_unavailable: UnavailableHook | None = None
        self._output: SpeechOutput | None = None
        self._link = RealtimeLink(endpoint, self.backoff, on_event=self._dispatch, on_lost=self._start_recovery)
        self._order = TranscriptOrder(self._publish, self.options.hold_text_for_transcript_s)
        self._watchdog: asyncio.Task[None] | None = None
        self._session: ShopperSession | None = None
        self._connect_lock = asyncio.Lock()
        self._recovering: asyncio.Task[None] | None = None
        self._reset_conversation_state()

    def _reset_conversation_state(self) -> None:
        self._last_activity = time.monotonic()
        self._response_active = False
        self._response_id = ""
        self._turn: asyncio.Future[None] | None = None
        self._pending_text: str | None = None  # a typed turn to resend after a reconnect
        self._audio_received: dict[str, int] = {}
        self._speaking_item = ""
        self._cut_items: set[str] = set()
        self._calls = ToolCalls(self.tools)
        self._reply: list[str] = []
        self._order.forget()
        self._budget = TokenBudget(self.options.token_budget)

    @property
    def connected(self) -> bool:
        return self._link.conn is not None

    # -- Brain -------------------------------------------------------------------------------------------------------
    async def start_session(self, session: ShopperSession) -> None:
        """A new shopper gets a new realtime session: nothing of the previous shopper's conversation remains."""
        if self._session is not session:
            await self._link.close()
            self._reset_conversation_state()
        self._session = session
        if self._budget.exceeded:
            raise BrainUnavailable("The voice budget for this session is used up.", permanent=True, session_only=True)
        await self._connect(carry=bool(session.turns))

    async def respond(self, session: ShopperSession, text: str) -> None:
        if self._session is not session:
            await self.start_session(session)
        if self._budget.exceeded:
            raise BrainUnavailable("The voice budget for this session is used up.", permanent=True, session_only=True)
        if self._link.conn is None:
            await self._connect(carry=True, exclude_last_turn=True)
        if self._response_active:
            await self._barge_in()
        loop = asyncio.get_running_loop()
        self._turn = loop.create_future()
        self._pending_text = text
        self._last_activity = time.monotonic()
        await self._link.send(rt.user_text_item(text))
        await self._link.send(rt.response_create())
        try:
            await asyncio.wait_for(asyncio.shield(self._turn), self.options.turn_timeout_s)
        except TimeoutError as exc:
            self._turn = None
            raise BrainUnavailable("The voice service did not answer in time.", permanent=False) from exc
        finally:
            self._pending_text = None

    async def note_action(self, session: ShopperSession, summary: str) -> None:
        if self._link.conn is None or self._session is not session:
            return
        await self._link.send(rt.user_text_item(f"[Screen action, no reply needed] {summary}"))

    async def interrupt(self, session: ShopperSession) -> None:
        if self._response_active or (self._output is not None and self._output.is_playing()):
            await self._barge_in()

    async def end_session(self, session: ShopperSession) -> None:
        if self._session is session:
            if self._output is not None:
                self._output.stop()
            await self._link.close()
            self._session = None
            self._reset_conversation_state()

    async def close(self) -> None:
        await self._link.close()
        await self._link.stop_sending_audio()
        for task in (self._watchdog, self._recovering):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._watchdog = self._recovering = None

    async def probe(self) -> None:
        """Can the service be reached with our credentials? Raises BrainUnavailable if not (used to come back)."""
        await probe_endpoint(self.endpoint)

    # -- ListeningBrain ------------------------------------------------------------------------------------------
    def attach_voice(self, output: SpeechOutput | None) -> None:
        self._output = output

    def feed_audio(self, pcm: bytes) -> None:
        if not pcm or self._link.conn is None or self._budget.exceeded:
            return  # nothing came out of the resampler for this block: an empty append is only traffic
        self._link.feed_audio(pcm)

    async def shopper_speech_started(self) -> None:
        self._last_activity = time.monotonic()
        await self._barge_in()

    async def shopper_speech_stopped(self) -> None:
        self._last_activity = time.monotonic()
        if self.options.turn_detection == "manual" and self._link.conn is not None:
            await self._link.send(rt.input_audio_commit())
            await self._link.send(rt.response_create())

    # -- connection ----------------------------------------------------------------------------------------------
    async def _connect(self, carry: bool, exclude_last_turn: bool = False) -> None:
        async with self._connect_lock:
            session = self._session
            carried = state_to_carry(session, exclude_last_turn) if carry and session is not None else ""

            def configure(dialect: rt.Dialect) -> rt.ClientEvent:
                config = session_config(self.options, self.instructions, self._output is not None, carried)
                return rt.session_update(config, dialect)

            await self._link.open(configure, self.options.reconnect_for_s)
            if self._watchdog is None or self._watchdog.done():
                self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    def _start_recovery(self) -> None:
        if self._recovering is None or self._recovering.done():
            self._recovering = asyncio.get_running_loop().create_task(self._recover())

    async def _recover(self) -> None:
        """Reconnect with the conversation carried over; on failure hand over to the offline brain."""
        session = self._session
        self._link.conn = None
        if self._output is not None:
            self._output.stop()
        self._response_active = False
        self._speaking_item = ""
        if session is not None and not session.ended:
            session.publish(NoticePosted("reconnecting", "Reconnecting…", level="warning"))
        try:
            await self._connect(carry=True, exclude_last_turn=self._pending_text is not None)
        except BrainUnavailable as exc:
            self._fail_turn(exc)
            if self.on_unavailable is not None:
                await self.on_unavailable(exc)
            return
        if session is not None and not session.ended:
            session.publish(NoticePosted("reconnected", "Reconnected.", level="info"))
        if self._pending_text is not None and self._turn is not None and not self._turn.done():
            await self._link.send(rt.user_text_item(self._pending_text))
            await self._link.send(rt.response_create())

    def _fail_turn(self, exc: BaseException) -> None:
        if self._turn is not None and not self._turn.done():
            self._turn.set_exception(exc)
            self._turn.exception()  # mark retrieved; respond() re-raises it
        self._turn = None

    async def _watch(self) -> None:
        """Rotate the realtime session before the service's cap, while the shopper is quiet."""
        while True:
            await asyncio.sleep(1.0)
            if self._link.conn is None or self._session is None:
                continue
            now = time.monotonic()
            old_enough = now - self._link.connected_at >= self.options.rotate_after_s
            quiet = now - self._last_activity >= self.options.quiet_before_rotate_s
            playing = self._output is not None and self._output.is_playing()
            if old_enough and quiet and not self._response_active and not playing and not self._calls.running:
                log.info("rotating the realtime session after %.0fs", now - self._link.connected_at)
                try:
                    await self._connect(carry=True)
                except BrainUnavailable as exc:
                    if self.on_unavailable is not None:
                        await self.on_unavailable(exc)

    # -- barge-in ------------------------------------------------------------------------------------------------
    async def _barge_in(self) -> None:
        item = self._speaking_item
        played = 0
        if self._output is not None:
            played = self._output.played_samples(item, rt.SAMPLE_RATE) if item else 0
            self._output.stop()
        if self._link.conn is None:
            return
        if self._response_active:
            await self._link.send(rt.response_cancel())
        if item and item not in self._cut_items:
            self._cut_items.add(item)
            await self._link.send(cut_off_event(item, 0, played_samples=played,
                                                received_bytes=self._audio_received.get(item, 0)))
        self._speaking_item = ""

    # -- server events -------------------------------------------------------------------------------------------
    def _publish(self, payload: Payload, hold: bool = False) -> None:
        session = self._session
        if session is None or session.ended:
            return
        if hold:
            self._order.publish(payload)  # after the shopper's transcript (`transcript_order`)
        else:
            session.publish(payload)

    def _state(self, state: VoiceState) -> None:
        self._publish(VoiceStateChanged(state, brain=self.name))

    async def _dispatch(self, event: rt.ServerEvent) -> None:
        if await self._on_shopper_event(event):
            return
        if isinstance(event, rt.ResponseCreated):
            self._response_active = True
            self._response_id = event.response_id
            self._reply = []
            self._state(VoiceState.THINKING)
        elif isinstance(event, rt.AudioDelta):
            await self._on_audio(event)
        elif isinstance(event, rt.TranscriptDelta | rt.TextDelta):
            if event.item_id in self._cut_items:
                return
            self._reply.append(event.delta)
            self._publish(ReplyChunkStreamed(event.delta, item_id=event.item_id), hold=True)
        elif isinstance(event, rt.FunctionCallArgumentsDone):
            self._calls.start(self._session, event.call_id, event.name, event.arguments)
        elif isinstance(event, rt.ResponseDone):
            await self._on_response_done(event)
        elif isinstance(event, rt.ErrorEvent):
            self._on_error(event)

    async def _on_shopper_event(self, event: rt.ServerEvent) -> bool:
        """The shopper's side of the conversation: speech start and stop, committed audio, their transcript."""
        if isinstance(event, rt.SpeechStarted):
            self._last_activity = time.monotonic()
            if event.item_id:
                self._order.expect(event.item_id)
            self._state(VoiceState.LISTENING)
            await self._barge_in()
        elif isinstance(event, rt.SpeechStopped):
            self._last_activity = time.monotonic()
            self._state(VoiceState.THINKING)
        elif isinstance(event, rt.InputAudioCommitted):
            if event.item_id:
                self._order.expect(event.item_id)
        elif isinstance(event, rt.InputTranscriptDelta):
            self._publish(TranscriptHeard(event.delta, final=False, item_id=event.item_id))
        elif isinstance(event, rt.InputTranscriptCompleted):
            session = self._session
            text = event.transcript.strip()
            if session is not None and text and not session.ended:
                self._publish(TranscriptHeard(text, final=True, item_id=event.item_id))
                session.record_shopper_turn(text, "voice", item_id=event.item_id)
            self._order.landed(event.item_id)
        elif isinstance(event, rt.InputTranscriptFailed):
            log.warning("input transcription failed for %s", event.item_id)
            self._order.landed(event.item_id)
        else:
            return False
        return True

    async def _on_audio(self, event: rt.AudioDelta) -> None:
        if event.item_id in self._cut_items:
            return
        self._audio_received[event.item_id] = self._audio_received.get(event.item_id, 0) + len(event.pcm)
        if self._speaking_item != event.item_id:
            self._speaking_item = event.item_id
            self._state(VoiceState.SPEAKING)
        if self._output is not None:
            self._output.play(event.pcm, rt.SAMPLE_RATE, event.item_id)

    async def _on_response_done(self, event: rt.ResponseDone) -> None:
        self._response_active = False
        self._last_activity = time.monotonic()
        if event.usage is not None:
            self._publish(self._budget.add(event.usage, self.name))
        calls = event.function_calls
        if calls and event.status != "cancelled":
            await self._calls.answer(self._session, calls, self._link.send)
            if not self._budget.exceeded:
                await self._link.send(rt.response_create())
                return
        self._finish_turn(interrupted=event.status == "cancelled")

    def _finish_turn(self, interrupted: bool) -> None:
        session = self._session
        text = "".join(self._reply)
        self._reply = []
        if session is not None and not session.ended:
            if text:
                session.add_turn("assistant", text)
            self._publish(ReplyCompleted(text, interrupted=interrupted), hold=True)
            if self._output is None or not self._output.is_playing():
                self._state(VoiceState.IDLE)
            else:
                asyncio.get_running_loop().create_task(self._idle_when_drained())
        if self._turn is not None and not self._turn.done():
            self._turn.set_result(None)
        self._turn = None
        if self._budget.exceeded:
            asyncio.get_running_loop().create_task(self._end_for_budget())

    async def _idle_when_drained(self) -> None:
        while self._output is not None and self._output.is_playing():  # noqa: ASYNC110 (the device has no event)
            await asyncio.sleep(0.05)
        if not self._response_active:
            self._state(VoiceState.IDLE)

    async def _end_for_budget(self) -> None:
        session = self._session
        if session is None or session.ended:
            return
        session.publish(NoticePosted(
            "token_budget", "This conversation reached its voice limit. You can keep shopping by typing or tapping.",
            level="info"))
        await self._link.close()
        if self.on_unavailable is not None:
            await self.on_unavailable(BrainUnavailable(
                "The voice budget for this session is used up.", permanent=True, session_only=True))

    def _on_error(self, event: rt.ErrorEvent) -> None:
        harmless = {"response_cancel_not_active", "input_audio_buffer_commit_empty"}
        if event.code in harmless:
            log.debug("realtime: %s", event.message)
            return
        log.warning("realtime server error %s: %s (param %s)", event.code, event.message, event.param)
        if self._turn is not None or event.type in ("server_error", "rate_limit_exceeded"):
            self._publish(ErrorRaised("The voice service reported a problem; please try again.",
                                      event.code or event.type, detail=event.message))
