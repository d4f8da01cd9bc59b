"""What becomes of a recognised utterance: a turn, a repeat of the last reply, or "sorry, I didn't catch that".

An accepted utterance (grammar or Whisper, see :mod:`audio.listening`) becomes a voice turn through the
conversation, exactly like typing; "say that again" repeats the last reply instead. An utterance neither pass takes
clears its partial transcript from the chat; when it was a voice (not noise), Aisle says once that it did not catch
that, and not again until a turn is understood, so it never loops on its own echo or on a noisy room. With
push-to-talk, the mic button held is the utterance. A mixin of :class:`audio.voice_loop.VoiceLoop`.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING, Any

from app.conversation import MessageRejected
from app.events import TranscriptHeard, VoiceState
from audio.listening import Transcript

if TYPE_CHECKING:
    from audio.voice_loop import VoiceLoop

log = logging.getLogger("aisle.audio.voice")

NOT_CAUGHT = "Sorry, I didn't catch that. Could you say it again?"
NOT_CAUGHT_MIN_MS = 400  # shorter rejected sounds are not worth a "sorry"
SAY_AGAIN = re.compile(r"^(please )?((can|could) you )?(say (that|it) again|repeat that|what did you say|pardon)"
                       r"( please)?$")


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]+", " ", text.lower()).split())


class TurnTaking:
    """Recognised utterances into turns (mixed into VoiceLoop)."""

    def _on_final(self: VoiceLoop, future: Any) -> None:
        if future.cancelled() or future.exception() is not None:
            log.warning("recognition failed: %r", None if future.cancelled() else future.exception())
            self._clear_partial()
            self._set_state(VoiceState.IDLE)
            return
        heard: Transcript | None = future.result()
        self.timings["recognised_at"] = time.monotonic()
        if heard is None or not heard.accepted:
            self._not_understood(heard)
            return
        self._not_caught_said = False
        log.debug("voice turn (%s, confidence %.2f, voicing %.2f%s): %r", heard.source, heard.confidence, heard.voicing,
                  ", over Aisle" if self._overlapped else "", heard.text)
        if heard.source == "neural":
            log.info("free-form request (Whisper): %r", heard.text)
        if SAY_AGAIN.match(_plain(heard.text)) and self.playback is not None:
            self._partial_shown = False
            self._publish(TranscriptHeard(heard.text, final=True))
            if self.say_again():
                return
        self._spawn(self._take_turn(heard.text.strip()))

    def _not_understood(self: VoiceLoop, heard: Transcript | None) -> None:
        """Neither pass took the utterance: clear its partial; say once that it was not caught when it was a
        voice (not noise), and not again until a turn is understood."""
        self._clear_partial()
        if heard is not None:
            log.info("not taken as a turn (%s, confidence %.2f, voicing %.2f): %r", heard.reason or heard.source,
                     heard.confidence, heard.voicing, heard.raw)
            self.rejected = [*self.rejected[-9:], heard]
            spoken = heard.voicing >= self.config.min_voicing and heard.audio_ms >= NOT_CAUGHT_MIN_MS
            shopper_still_talking = self._in_utterance or self._vad.in_speech
            # words over Aisle's voice get an apology only when they interrupted it (else they may be its echo)
            if spoken and not self._not_caught_said and (self._barged or not self._overlapped) \
                    and not shopper_still_talking \
                    and self.conversation.session is not None \
                    and self._listening_brain() is None:
                self._not_caught_said = True
                self._notice(NOT_CAUGHT, "info", "not_understood")
                if self.playback is not None:
                    self.say_line(NOT_CAUGHT)
                    return
        if not self._reply_pending and not self._is_speaking() and not self._in_utterance:
            self._set_state(VoiceState.IDLE)

    def _clear_partial(self: VoiceLoop) -> None:
        """Take the partial transcript off the chat (an utterance that did not become a turn)."""
        if self._partial_shown:  # (the next utterance may have begun already: its partials come again)
            self._partial_shown = False
            self._last_partial = ""
            self._publish(TranscriptHeard("", final=True, accepted=False))

    async def _take_turn(self: VoiceLoop, text: str) -> None:
        await self.conversation.ensure_session()
        self._partial_shown = False
        self._publish(TranscriptHeard(text, final=True))
        try:
            await self.conversation.submit_text(text, source="voice")
        except MessageRejected as exc:
            log.info("voice turn rejected: %s", exc)

    def push_to_talk(self: VoiceLoop, pressed: bool) -> None:
        """The mic button: held, Aisle listens (and stops talking); released, the words become the turn."""
        if pressed and not self._ptt_held:
            self._ptt_held = True
            if self._is_speaking():
                self._barge_in()
            brain = self._listening_brain()
            if brain is None:
                if not self._in_utterance:
                    self.timings = {"speech_started_at": time.monotonic()}
                    self._vad.reset()
                    self._begin_utterance()
            else:
                self._spawn(brain.shopper_speech_started())
        elif not pressed and self._ptt_held:
            self._ptt_held = False
            brain = self._listening_brain()
            if brain is not None:
                self._spawn(brain.shopper_speech_stopped())
            elif self._in_utterance:
                self._finish_utterance()
