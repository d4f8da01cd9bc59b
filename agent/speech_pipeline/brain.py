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
backoff while the session lasts; the screen gets a notice and `voice_state` `unavailable` meanwhile. Synthesis
failing turns replies into text at once (for the session after a rejected key, for `synthesis_backoff_s` after a
timeout), so a silent TTS service never holds the text back.

Timeouts (defaults): recognition connect 5 s, recognition stop 2 s (then left to a worker thread), synthesis 10 s
per sentence, chat 15 s to the first streamed chunk (headers included) and 10 s between chunks, connect 5 s.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import openai

from agent.speech_pipeline.chat import ChatAgent, ChatConfig
from agent.speech_pipeline.recognition import AzureRecognizer, Recognizer
from agent.speech_pipeline.sdk import DEFAULT_VOICE, KEY_SETTING, WHERE_SETTINGS, AzureSpeechConfig
from agent.speech_pipeline.synthesis import AzureSynthesizer, Synthesizer
from app.brain import BrainUnavailable, SpeechOutput, ToolRunner
from app.events import EventKind, VoiceState
from app.secrets import get_secret
from app.sentences import SentenceSplitter
from app.session import ShopperSession
from app.settings import Settings

log = logging.getLogger("aisle.agent.speech_pipeline")

UnavailableHook = Callable[[BrainUnavailable], Awaitable[None] | None]
TurnHandler = Callable[[str], Awaitable[None]]


def _ignore(*_args: Any) -> None:
    return None


@dataclass(frozen=True)
class _Queued:
    """One sentence on its way to the shopper: queued on the speaker as `tag` (or text only when `tag` is empty)."""

    text: str
    tag: str = ""
    samples: int = 0
    samplerate: int = 0
    start: float = 0.0  # loop time its playback should start (after what was queued before it)


class _Reply:
    """One assistant reply: text deltas in; sentences spoken in order; text chunks published as they are heard."""

    def __init__(self, brain: SpeechPipelineBrain, session: ShopperSession, output: SpeechOutput | None,
                 tag: str) -> None:
        self.brain = brain
        self.session = session
        self.output = output
        self.tag = tag
        self.chunks: list[str] = []
        self.aborted = False
        self.voice_ok = output is not None and brain._voice_ok()
        self.speaking = False
        self.queued_until = 0.0
        self._splitter = SentenceSplitter(min_chars=2, max_chars=240)
        self._loop = asyncio.get_running_loop()
        self._sentences: asyncio.Queue[str | None] = asyncio.Queue()
        self._heard: asyncio.Queue[_Queued | None] = asyncio.Queue()
        self._count = 0
        self._tasks: list[asyncio.Task[None]] = []
        if output is not None:
            self._tasks = [asyncio.create_task(self._speak_loop()), asyncio.create_task(self._show_loop())]

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    @property
    def spoken(self) -> bool:
        return bool(self._tasks)

    def _publish(self, text: str) -> None:
        if text:
            self.session.publish(EventKind.TEXT_CHUNK, {"text": text})
            self.chunks.append(text)

    async def on_text(self, delta: str) -> None:
        if self.aborted:
            return
        if not self._tasks:
            self._publish(delta)
            return
        for sentence in self._splitter.push(delta):
            self._sentences.put_nowait(sentence)

    async def finish(self) -> None:
        """The model is done: speak what is left and wait until the speaker has played it all."""
        if not self._tasks:
            return
        for sentence in self._splitter.flush():
            self._sentences.put_nowait(sentence)
        self._sentences.put_nowait(None)
        await asyncio.gather(*self._tasks)

    def abort(self) -> None:
        """Barge-in: nothing more goes to the speaker from here on (synchronous)."""
        self.aborted = True
        for task in self._tasks:
            task.cancel()

    def voice_lost(self) -> None:
        self.voice_ok = False
        self.output = None

    # -- the two halves ----------------------------------------------------------------------------------------------
    async def _speak_loop(self) -> None:
        """Synthesise sentences in order and queue each on the speaker as soon as it is ready."""
        while (sentence := await self._sentences.get()) is not None:
            pcm, rate = b"", 0
            if self.voice_ok:
                try:
                    pcm, rate = await self.brain.synthesizer.synthesize(sentence)
                except BrainUnavailable as exc:
                    self.voice_ok = False
                    self.brain._speech_failed(self.session, exc)
            output = self.output
            if self.aborted:
                return
            if pcm and rate and output is not None and self.voice_ok:
                tag = f"{self.tag}-{self._count}"
                self._count += 1
                samples = len(pcm) // 2
                start = max(self._loop.time(), self.queued_until)
                self.queued_until = start + samples / rate
                output.play(pcm, rate, tag)
                self._heard.put_nowait(_Queued(sentence, tag, samples, rate, start))
            else:
                self._heard.put_nowait(_Queued(sentence))
        self._heard.put_nowait(None)

    async def _show_loop(self) -> None:
        """Publish each sentence's text when the speaker starts playing it; return when the last one has played."""
        last: _Queued | None = None
        while (item := await self._heard.get()) is not None:
            if item.tag:
                await self._until(item, started=True)
                if not self.speaking:
                    self.speaking = True
                    self.brain._set_state(VoiceState.SPEAKING)
                last = item
            self._publish((" " if self.chunks else "") + item.text)
        if last is not None:
            await self._until(last, started=False)

    async def _until(self, item: _Queued, started: bool) -> None:
        slack = self.brain.playback_slack_s
        deadline = (item.start if started else self.queued_until) + slack
        while self._loop.time() < deadline:
            output = self.output
            if output is None:
                return
            played = output.played_samples(item.tag, item.samplerate)
            if started and played > 0:
                return
            if not started and (played >= item.samples or (played > 0 and not output.is_playing())):
                return
            await asyncio.sleep(self.brain.poll_s)


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
        self.restart_delays_s = restart_delays_s or (1.0,)
        self.barge_ins = 0
        self._session: ShopperSession | None = None
        self._output: SpeechOutput | None = None
        self.input_samplerate = int(getattr(recognizer, "samplerate", 16000))
        self._listening = False
        self._listen_lock = asyncio.Lock()  # one start/stop of the recogniser at a time
        self._recognition_failed = False
        self._suspended = False  # the chat failed (the app switched to another brain): not listening meanwhile
        self._state = VoiceState.IDLE
        self._turn_lock = asyncio.Lock()
        self._reply_task: asyncio.Task[None] | None = None
        self._current: _Reply | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._listen_task: asyncio.Task[None] | None = None
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
            session.publish(EventKind.VOICE_STATE, {"state": state.value})

    def _resting_state(self) -> VoiceState:
        if self._listening:
            return VoiceState.LISTENING
        return VoiceState.UNAVAILABLE if self._recognition_failed else VoiceState.IDLE

    @property
    def state(self) -> VoiceState:
        return self._state

    async def _notify_unavailable(self, failure: BrainUnavailable) -> None:
        if self.on_unavailable is None:
            return
        try:
            outcome = self.on_unavailable(failure)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:
            log.exception("on_unavailable hook failed")

    # -- Brain -------------------------------------------------------------------------------------------------------
    async def start_session(self, session: ShopperSession) -> None:
        await self._quiesce()
        self._session = session
        self._recognition_failed = False
        self._suspended = False
        self._synthesis_disabled = False
        self._synthesis_retry_at = 0.0
        self.chat.start(session)
        self._state = VoiceState.IDLE
        if self._output is not None:
            self._spawn(self.synthesizer.warm_up(), "warm-up")
            await self._start_listening(session)

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
        if self._output is not None and not self._listening:
            async with self._listen_lock:
                await self.recognizer.start(_ignore, _ignore, _ignore)
                await self.recognizer.stop()

    async def _quiesce(self) -> None:
        """Stop speaking, replying and listening (a session ends or starts)."""
        self._barge()
        await self._stop_reply()
        if self._listen_task is not None:
            self._listen_task.cancel()
            await asyncio.wait([self._listen_task])
            self._listen_task = None
        await self._stop_listening()

    async def _suspend(self) -> None:
        """The chat failed: the app is about to answer with another brain, so stop listening (and paying for
        recognition) until the next session start or turn brings us back."""
        if self._suspended:
            return
        self._suspended = True
        task = self._listen_task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.wait([task])
        await self._stop_listening()

    def _resume(self, session: ShopperSession) -> None:
        if self._suspended:
            self._suspended = False
            self._want_listening(session)

    def _want_listening(self, session: ShopperSession | None) -> None:
        """Start listening in the background if voice is on, a session is active and nobody is on it yet."""
        if (session is not None and not session.ended and self._output is not None and not self._listening
                and not self._suspended and self._listen_task is None):
            self._listen_task = self._spawn(self._listen_again(session, None), "listen")

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
            self._listening = False  # at once: no more audio to the recogniser
            self._spawn(self._stop_listening(), "stop-listening")
            return
        self._want_listening(self._session)

    def feed_audio(self, pcm: bytes) -> None:
        if self._listening:
            self.recognizer.push(pcm)

    async def shopper_speech_started(self) -> None:
        if self._barge():
            self.barge_ins += 1
        await self._stop_reply()
        if self._listening:
            self._set_state(VoiceState.LISTENING)

    async def shopper_speech_stopped(self) -> None:
        """Azure finds the end of the phrase itself (its final result follows); nothing to do here."""

    # -- listening ---------------------------------------------------------------------------------------------------
    async def _start_listening(self, session: ShopperSession) -> bool:
        """Start the recogniser for `session` unless that is no longer wanted; True when listening."""
        async with self._listen_lock:
            if self._listening:
                return True
            if self._output is None or self._suspended or session is not self._session or session.ended:
                return False
            await self.recognizer.start(self._on_partial, self._on_final, self._on_recognition_error)
            if session is not self._session or session.ended or self._output is None or self._suspended:
                await self.recognizer.stop()
                return False
            self._listening = True
            self._recognition_failed = False
        if self._current is None:
            self._set_state(VoiceState.LISTENING)
        return True

    async def _stop_listening(self) -> None:
        self._listening = False
        async with self._listen_lock:
            try:
                await self.recognizer.stop()
            except Exception:
                log.debug("stopping recognition failed", exc_info=True)

    def _on_partial(self, text: str) -> None:
        session = self._session
        if session is None or session.ended:
            return
        session.publish(EventKind.TRANSCRIPT, {"role": "shopper", "text": text, "final": False})
        if self._current is None:
            self._set_state(VoiceState.LISTENING)

    def _on_final(self, text: str) -> None:
        session = self._session
        if session is None or session.ended or not text.strip():
            return
        session.publish(EventKind.TRANSCRIPT, {"role": "shopper", "text": text, "final": True})
        self._barge()  # the shopper has taken the turn: whatever we were saying is over
        if self.turn_handler is not None:
            self._spawn(self.turn_handler(text), "turn-handler")
        else:
            self._spawn(self._spoken_turn(session, text), "spoken-turn")

    def _on_recognition_error(self, failure: BrainUnavailable) -> None:
        session = self._session
        self._listening = False
        self._recognition_failed = True
        log.warning("recognition failed: %s", failure)
        if session is None or session.ended:
            return
        session.publish(EventKind.NOTICE, {"level": "warning", "message": f"Voice input stopped: {failure}",
                                           "code": "speech_recognition_failed"})
        self._set_state(VoiceState.UNAVAILABLE)
        if self._listen_task is None:
            self._listen_task = self._spawn(self._listen_again(session, failure), "listen")

    async def _listen_again(self, session: ShopperSession, failure: BrainUnavailable | None) -> None:
        """(Re)start recognition for `session`, with backoff after a failure; give up on a permanent one."""
        try:
            if failure is not None:
                await self._stop_listening()
                if failure.permanent:
                    await self._notify_unavailable(failure)
                    return
            delays = itertools.chain(self.restart_delays_s, itertools.repeat(self.restart_delays_s[-1]))
            first = failure is None
            while session is self._session and not session.ended and self._output is not None:
                if not first:
                    await asyncio.sleep(next(delays))
                    if session is not self._session or session.ended or self._output is None:
                        return
                first = False
                try:
                    listening = await self._start_listening(session)
                except BrainUnavailable as exc:
                    log.info("recognition still unavailable: %s", exc)
                    self._recognition_failed = True
                    if self._current is None:
                        self._set_state(VoiceState.UNAVAILABLE)
                    if exc.permanent:
                        session.publish(EventKind.NOTICE, {"level": "warning", "message": str(exc),
                                                           "code": "speech_recognition_failed"})
                        await self._notify_unavailable(exc)
                        return
                    continue
                if listening and failure is not None:
                    session.publish(EventKind.NOTICE, {"level": "info", "message": "Voice input is back.",
                                                       "code": "speech_recognition_restored"})
                return
        finally:
            if self._listen_task is asyncio.current_task():
                self._listen_task = None

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
                session.publish(EventKind.ERROR, {"message": str(exc), "code": "brain_unavailable",
                                                  "permanent": exc.permanent})
                session.publish(EventKind.COMPLETION, {"text": "", "failed": True})
            if self.on_unavailable is not None:
                await self._suspend()  # the hook hands the kiosk to another brain
            await self._notify_unavailable(exc)
        except Exception as exc:
            log.exception("spoken turn failed")
            if not session.ended:
                session.publish(EventKind.ERROR, {
                    "message": "Sorry, something went wrong on my side. Please try again, or ask a staff member.",
                    "code": "brain_failed", "detail": type(exc).__name__,
                })
                session.publish(EventKind.COMPLETION, {"text": "", "failed": True})

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
        reply = _Reply(self, session, self._output, f"r{next(self._replies)}")
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
                session.publish(EventKind.COMPLETION, {"text": heard, "interrupted": True})
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
        session.publish(EventKind.COMPLETION, {"text": reply.text, "interrupted": False})

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
            session.publish(EventKind.NOTICE, {"level": "warning", "message": f"Spoken replies stopped: {failure}",
                                               "code": "speech_synthesis_failed"})


# ---------------------------------------------------------------------------------------------------------------------
# building from the settings
# ---------------------------------------------------------------------------------------------------------------------


def _azure_root(endpoint: str) -> str:
    """`https://RES.openai.azure.com` from any form of the Azure OpenAI endpoint setting."""
    parts = urlsplit(endpoint.strip())
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme or "https")
    netloc = parts.netloc or parts.path.split("/")[0]
    return f"{scheme}://{netloc}"


def build_chat(settings: Settings, env: Mapping[str, str] | None = None, *,
               first_chunk_timeout_s: float = 15.0, chunk_timeout_s: float = 10.0,
               connect_timeout_s: float = 5.0) -> ChatAgent:
    """The chat half: Azure OpenAI when `azure_endpoint` and `AZURE_OPENAI_API_KEY` are set, else OpenAI."""
    environ = os.environ if env is None else env
    timeout = openai.Timeout(connect=connect_timeout_s, read=max(first_chunk_timeout_s, chunk_timeout_s) + 5.0,
                             write=10.0, pool=connect_timeout_s)
    azure_key = get_secret("AZURE_OPENAI_API_KEY", environ)
    openai_key = get_secret("OPENAI_API_KEY", environ)

    def config(key_setting: str, where_setting: str = "") -> ChatConfig:
        return ChatConfig(model=settings.chat_model, key_setting=key_setting, where_setting=where_setting,
                          store_name=settings.store_name, first_chunk_timeout_s=first_chunk_timeout_s,
                          chunk_timeout_s=chunk_timeout_s)

    client: openai.AsyncOpenAI
    if settings.azure_endpoint and azure_key:
        root = _azure_root(settings.azure_endpoint)
        if settings.azure_api_version:
            client = openai.AsyncAzureOpenAI(azure_endpoint=root, api_key=azure_key,
                                             api_version=settings.azure_api_version, timeout=timeout, max_retries=0)
        else:
            client = openai.AsyncOpenAI(base_url=f"{root}/openai/v1/", api_key=azure_key, timeout=timeout,
                                        max_retries=0)
        return ChatAgent(client, config("AZURE_OPENAI_API_KEY", "azure_endpoint"))
    if openai_key:
        base_url = environ.get("OPENAI_BASE_URL") or None
        client = openai.AsyncOpenAI(api_key=openai_key, base_url=base_url, timeout=timeout, max_retries=0)
        return ChatAgent(client, config("OPENAI_API_KEY"))
    if settings.azure_endpoint:
        raise BrainUnavailable("The Azure Speech pipeline's chat model needs AZURE_OPENAI_API_KEY (for "
                               "azure_endpoint) or OPENAI_API_KEY.", permanent=True)
    raise BrainUnavailable("The Azure Speech pipeline's chat model needs OPENAI_API_KEY (or AZURE_OPENAI_API_KEY "
                           "with azure_endpoint).", permanent=True)


def speech_config_from_settings(settings: Settings, env: Mapping[str, str] | None = None) -> AzureSpeechConfig:
    environ = os.environ if env is None else env
    key = get_secret(KEY_SETTING, environ)
    if not key:
        raise BrainUnavailable(f"The Azure Speech pipeline needs {KEY_SETTING}.", permanent=True)
    if not (settings.azure_speech_region.strip() or settings.azure_speech_endpoint.strip()):
        raise BrainUnavailable(f"The Azure Speech pipeline needs {WHERE_SETTINGS}.", permanent=True)
    return AzureSpeechConfig(key, settings.azure_speech_region.strip(), settings.azure_speech_endpoint.strip())


def azure_voice(settings: Settings) -> str:
    """The neural voice: `tts_voice` when it names an Azure voice ("de-DE-KatjaNeural"), else the multilingual
    default (the offline brain's espeak voice names, like "en-us", mean nothing to Azure)."""
    voice = settings.tts_voice.strip()
    return voice if "Neural" in voice else DEFAULT_VOICE


def build_from_settings(settings: Settings, tools: ToolRunner, env: Mapping[str, str] | None = None,
                        **brain_options: Any) -> SpeechPipelineBrain:
    """The pipeline from the settings and the secrets (`AZURE_SPEECH_KEY`; `OPENAI_API_KEY` or
    `AZURE_OPENAI_API_KEY`). Raises `BrainUnavailable(permanent=True)` naming what is missing."""
    speech = speech_config_from_settings(settings, env)
    chat = build_chat(settings, env)
    recognizer = AzureRecognizer(speech, segmentation_silence_ms=settings.vad_silence_ms)
    return SpeechPipelineBrain(recognizer, AzureSynthesizer(speech, azure_voice(settings)), chat, tools,
                               **brain_options)
