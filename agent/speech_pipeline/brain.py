"""Brain 3: the Azure Speech pipeline. Azure recognises the shopper, a chat model answers with the tools, Azure neural
TTS speaks the answer sentence by sentence through the kiosk's own playback.

    brain = build_from_settings(settings, runtime.tools)   # or SpeechPipelineBrain(recognizer, synth, chat, tools)
    brain.attach_voice(speaker)                            # a SpeechOutput; None: text only
    await brain.start_session(session)                     # starts recognition when voice is attached
    brain.feed_audio(pcm16k)                               # from capture, never blocks
    await brain.shopper_speech_started()                   # local VAD: barge in

**Turns.** A final transcript is a shopper turn: `transcript` (final), `shopper_message` (source `voice`) and a
history turn, then the answer. Partials go out as `transcript` (not final). Typed and touched turns come through
`respond`/`note_action` into the same chat messages. One reply at a time: a new turn (spoken or typed) first
interrupts the reply in progress.

**Speech in step with text.** The reply streams from the chat model; each completed sentence is synthesised and
queued on the speaker at once (so speech starts long before the reply is complete and plays without gaps), and its
`text_chunk` is published when the speaker starts playing it (`played_samples` of its tag, with a deadline so a
speaker that reports nothing cannot hold the text back). The `completion` follows the end of playback. Without a
speaker the text streams as it arrives. If synthesis fails mid-reply, the rest of the reply goes out as text and a
notice says why.

**Barge-in.** `shopper_speech_started` (or `interrupt`) stops the speaker first, synchronously (`output.stop()`:
within the current audio block), marks the reply aborted so nothing more is queued, cancels the chat stream and
the synthesis, and publishes the interrupted `completion` with what was actually heard; the chat history keeps
exactly that text.

**Failures.** `start_session` raises `BrainUnavailable` when recognition cannot start (a rejected key: permanent;
unreachable: not), and `respond` raises the chat's `BrainUnavailable` (the app's `FallbackBrain` then switches to
the offline brain). A spoken turn has no caller to raise to: it publishes an `error` and a failed `completion` and
calls `on_unavailable` when given (wire it to `FallbackBrain.fall_back`). After a chat failure the brain stops
listening (another brain answers now) until the next `start_session` or turn; `probe()` (for `FallbackBrain`)
checks the chat service and, with voice on, that recognition starts. Recognition lost mid-session is retried with
backoff while the session lasts (`listening.Listening`); the screen gets a notice and `voice_state` `unavailable`
meanwhile. Synthesis
failing turns replies into text at once (for the session after a rejected key, for `synthesis_backoff_s` after a
timeout), so a silent TTS service never holds the text back.

Timeouts (defaults): recognition connect 5 s, recognition stop 2 s (then left to a worker thread), synthesis 10 s
per sentence, chat 15 s to the first streamed chunk (headers included) and 10 s between chunks, connect 5 s.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from agent.speech_pipeline.chat import ChatAgent
from agent.speech_pipeline.listening import Listening
from agent.speech_pipeline.recognition import Recognizer
from agent.speech_pipeline.reply import SpokenReply, ignore_callback
from agent.speech_pipeline.synthesis import Synthesizer
from app.brain import BrainUnavailable, SpeechOutput, ToolRunner, UnavailableHook
from app.events import ErrorRaised, NoticePosted, ReplyCompleted, VoiceState, VoiceStateChanged
from app.session import ShopperSession

log = logging.getLogger("aisle.agent.speech_pipeline")

TurnHandler = Callable[[str], Awaitable[None]]


class SpeechPipelineBrain:
    """`Brain` + `ListeningBrain` over a `Recognizer`, a `Synthesizer` and a `ChatAgent` (see the module docs)."""

    name = "azure-speech"
    input_samplerate = 16000

    def __init__(self, recognizer: Recognizer, synthesizer: Synthesizer, chat: ChatAgent, tools: ToolRunner, *,
                 on_unavailable: UnavailableHook | None = None, turn_handler: TurnHandler | None = None,
                 poll_s: float = 0.01, playback_slack_s: float = 1.0, synthesis_backoff_s: float = 60.0,
                 restart_delays_s: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0)) -> None:
        self.recognizer = recognizer
        self.synthesizer = synthesizer
        self.chat = chat
        self.tools = tools
        self.on_unavailable = on_unavailable
        self.turn_handler = turn_handler  # when set, spoken turns go there (e.g. Conversation.submit_text)
        self.poll_s = poll_s
        self.playback_slack_s = playback_slack_s
        self.synthesis_backoff_s = synthesis_backoff_s
        self._synthesis_disabled = False
        self._synthesis_retry_at = 0.0
        self.barge_ins = 0
        self._session: ShopperSession | None = None
        self._output: SpeechOutput | None = None
        self.input_samplerate = int(getattr(recognizer, "samplerate", 16000))
        self._listen = Listening(self, recognizer, restart_delays_s)
        self._suspended = False  # the chat failed (the app switched to another brain): not listening meanwhile
        self._state = VoiceState.IDLE
        self._turn_lock = asyncio.Lock()
        self._reply_task: asyncio.Task[None] | None = None
        self._current: SpokenReply | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._replies = itertools.count(1)

    # -- small helpers -----------------------------------------------------------------------------------------------
    def _spawn(self, coro: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(f"speech-pipeline-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("speech pipeline task %s failed", task.get_name(), exc_info=task.exception())

    def _set_state(self, state: VoiceState) -> None:
        if state == self._state:
            return
        self._state = state
        session = self._session
        if session is not None and not session.ended:
            session.publish(VoiceStateChanged(state))

    def _resting_state(self) -> VoiceState:
        if self._listen.active:
            return VoiceState.LISTENING
        return VoiceState.UNAVAILABLE if self._listen.failed else VoiceState.IDLE

    @property
    def state(self) -> VoiceState:
        return self._state

    async def _notify_unavailable(self, failure: BrainUnavailable) -> None:
        if self.on_unavailable is None:
            return
        try:
            await self.on_unavailable(failure)
        except Exception:
            log.exception("on_unavailable hook failed")

    # -- Brain -------------------------------------------------------------------------------------------------------
    async def start_session(self, session: ShopperSession) -> None:
        await self._quiesce()
        self._session = session
        self._listen.failed = False
        self._suspended = False
        self._synthesis_disabled = False
        self._synthesis_retry_at = 0.0
        self.chat.start(session)
        self._state = VoiceState.IDLE
        if self._output is not None:
            self._spawn(self.synthesizer.warm_up(), "warm-up")
            await self._listen.start(session)

    async def respond(self, session: ShopperSession, text: str) -> None:
        self._resume(session)
        try:
            await self._turn(session, text, shopper_source=None)
        except BrainUnavailable:
            await self._suspend()
            raise

    async def note_action(self, session: ShopperSession, summary: str) -> None:
        self.chat.note(session, summary)

    async def interrupt(self, session: ShopperSession) -> None:
        self._barge()
        await self._stop_reply()

    async def end_session(self, session: ShopperSession) -> None:
        if self._session is session or self._session is None:
            await self._quiesce()
            self._session = None
            self._state = VoiceState.IDLE
        self.chat.forget(session.id)

    async def close(self) -> None:
        await self._quiesce()
        self._session = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)
        await self.synthesizer.close()
        await self.chat.close()

    async def probe(self) -> None:
        """For `FallbackBrain`: returns when the chat service answers again and, with voice on, recognition
        starts again (raises `BrainUnavailable` otherwise)."""
        await self.chat.probe()
        if self._output is not None and not self._listen.active:
            async with self._listen.lock:
                await self.recognizer.start(ignore_callback, ignore_callback, ignore_callback)
                await self.recognizer.stop()

    async def _quiesce(self) -> None:
        """Stop speaking, replying and listening (a session ends or starts)."""
        self._barge()
        await self._stop_reply()
        if self._listen.task is not None:
            self._listen.task.cancel()
            await asyncio.wait([self._listen.task])
            self._listen.task = None
        await self._listen.stop()

    async def _suspend(self) -> None:
        """The chat failed: the app is about to answer with another brain, so stop listening (and paying for
        recognition) until the next session start or turn brings us back."""
        if self._suspended:
            return
        self._suspended = True
        task = self._listen.task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.wait([task])
        await self._listen.stop()

    def _resume(self, session: ShopperSession) -> None:
        if self._suspended:
            self._suspended = False
            self._listen.want(session)

    # -- ListeningBrain ----------------------------------------------------------------------------------------------
    def attach_voice(self, output: SpeechOutput | None) -> None:
        previous, self._output = self._output, output
        if output is None:
            reply = self._current
            if reply is not None:
                reply.voice_lost()
            if previous is not None:
                try:
                    previous.stop()
                except Exception:
                    log.debug("stopping the previous speaker failed", exc_info=True)
            self._listen.active = False  # at once: no more audio to the recogniser
            self._spawn(self._listen.stop(), "stop-listening")
            return
        self._listen.want(self._session)

    def feed_audio(self, pcm: bytes) -> None:
        if self._listen.active:
            self.recognizer.push(pcm)

    async def shopper_speech_started(self) -> None:
        if self._barge():
            self.barge_ins += 1
        await self._stop_reply()
        if self._listen.active:
            self._set_state(VoiceState.LISTENING)

    async def shopper_speech_stopped(self) -> None:
        """Azure finds the end of the phrase itself (its final result follows); nothing to do here."""

    # -- turns -------------------------------------------------------------------------------------------------------
    def _barge(self) -> bool:
        """Silence the speaker now and stop the reply's speech (synchronous). True if something was cut off."""
        reply = self._current
        output = self._output
        cut = False
        if output is not None:
            try:
                playing = output.is_playing()
            except Exception:
                playing = False
            if playing or (reply is not None and reply.spoken):
                output.stop()
                cut = playing or (reply is not None and reply.speaking)
        if reply is not None and not reply.aborted:
            reply.abort()
            if reply.spoken:
                self._spawn(self.synthesizer.cancel(), "cancel-synthesis")
            cut = True
        return cut

    async def _stop_reply(self) -> None:
        task = self._reply_task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])

    async def _spoken_turn(self, session: ShopperSession, text: str) -> None:
        try:
            await self._turn(session, text, shopper_source="voice")
        except BrainUnavailable as exc:
            log.warning("spoken turn failed: %s", exc)
            if not session.ended:
                session.publish(ErrorRaised(str(exc), "brain_unavailable", permanent=exc.permanent))
                session.publish(ReplyCompleted("", failed=True))
            if self.on_unavailable is not None:
                await self._suspend()  # the hook hands the kiosk to another brain
            await self._notify_unavailable(exc)
        except Exception as exc:
            log.exception("spoken turn failed")
            if not session.ended:
                session.publish(ErrorRaised(
                    "Sorry, something went wrong on my side. Please try again, or ask a staff member.",
                    "brain_failed", detail=type(exc).__name__))
                session.publish(ReplyCompleted("", failed=True))

    async def _turn(self, session: ShopperSession, text: str, shopper_source: str | None) -> None:
        self._barge()  # a new turn: stop saying the previous reply (text typed over speech, a second final)
        await self._stop_reply()
        async with self._turn_lock:
            if session.ended:
                return
            if self._session is None:
                self._session = session
            if shopper_source is not None:
                session.record_shopper_turn(text, shopper_source)
            task = asyncio.create_task(self._reply(session, text))
            self._reply_task = task
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # we are being cancelled ourselves
                # the reply was interrupted (barge-in, a new turn): it published its own completion
            finally:
                if self._reply_task is task:
                    self._reply_task = None

    async def _reply(self, session: ShopperSession, text: str) -> None:
        reply = SpokenReply(self, session, self._output, f"r{next(self._replies)}")
        self._current = reply
        self._set_state(VoiceState.THINKING)
        chat_done = False
        try:
            await self.chat.run_turn(session, text, self.tools, reply.on_text)
            chat_done = True
            await reply.finish()
        except asyncio.CancelledError:
            reply.abort()
            heard = reply.text
            self.chat.record_reply(session, heard, replace_last=chat_done)
            if not session.ended:
                if heard:
                    session.add_turn("assistant", heard)
                session.publish(ReplyCompleted(heard, interrupted=True))
            raise
        except BaseException:
            if reply.spoken and not reply.aborted:
                reply.abort()
                output = self._output
                if output is not None:
                    output.stop()
            raise
        finally:
            if self._current is reply:
                self._current = None
            self._set_state(self._resting_state())
        session.add_turn("assistant", reply.text)
        session.publish(ReplyCompleted(reply.text, interrupted=False))

    def _voice_ok(self) -> bool:
        return not self._synthesis_disabled and asyncio.get_running_loop().time() >= self._synthesis_retry_at

    def _speech_failed(self, session: ShopperSession, failure: BrainUnavailable) -> None:
        """Synthesis failed mid-reply: the reply goes on as text; say why once. Replies stay text-only for the
        session after a permanent failure (a rejected key), for `synthesis_backoff_s` after another one (so a silent
        service does not hold every reply's text back by the synthesis timeout)."""
        log.warning("speech output failed: %s", failure)
        if failure.permanent:
            self._synthesis_disabled = True
        else:
            self._synthesis_retry_at = asyncio.get_running_loop().time() + self.synthesis_backoff_s
        if not session.ended:
            session.publish(NoticePosted("speech_synthesis_failed", f"Spoken replies stopped: {failure}",
                                         level="warning"))
