"""The kiosk window's voice side: the voice port beside the window (its state drives the status even between
sessions), push-to-talk, and what the screen says about voice (the status pill, the large listening / speaking
banner, and the words for voice on, push-to-talk, off and unavailable)."""

from __future__ import annotations

import logging

from app.events import VoiceState
from app.ports import VoicePort
from ui.voice_words import WORDS, voice_mode
from ui.window_parts import WindowParts

log = logging.getLogger("aisle.ui.window")
NO_VOICE_STATUS = "off (no voice service)"


class VoiceStatus(WindowParts):
    """Mixed into `KioskWindow`."""

    def attach_voice(self, port: VoicePort) -> None:
        """Voice runs beside the window. Its state drives the status indicator even between sessions, when no
        `voice_state` events are published (the port's listener may run on any thread: queued to this one)."""
        self.voice_port = port
        port.on_state_changed(self._voice_state_changed)
        self._set_voice(port.state().value)

    def _voice_state_changed(self, state: VoiceState) -> None:
        self.voice_changed.emit(state.value)

    def _set_voice(self, state: str) -> None:
        self.voice = state
        self._update_status()
        if self.staff_panel.isVisible():
            self.staff_panel.show_voice_status(self.audio_status())

    def audio_status(self) -> str:
        """For /health (called on the server thread: reads only)."""
        port = self.voice_port
        return port.status() if port is not None else NO_VOICE_STATUS

    def _push_to_talk(self, pressed: bool) -> None:
        self.idle.poke()
        if self.voice_port is None:
            return
        try:
            self.voice_port.push_to_talk(pressed)
        except Exception:
            log.exception("push-to-talk failed")

    def _update_status(self) -> None:
        if not self.controller.ready:
            state = "starting"
        elif self.voice in ("listening", "speaking", "thinking"):
            state = self.voice
        elif self.busy:
            state = "thinking"
        elif self.voice == "unavailable":
            state = "unavailable"
        else:
            state = "idle"
        self._show_voice_mode()
        self.status.set_state(state)
        self.shopping.conversation.banner.set_state(self.voice)

    def _show_voice_mode(self) -> None:
        """The words for voice on / push-to-talk / off / unavailable on every screen that invites a shopper."""
        mode = voice_mode(self.settings.voice_enabled, self.settings.push_to_talk, self.voice)
        if self.status.voice_mode == mode:
            return
        words = WORDS[mode]
        self.status.voice_mode = mode
        self.status.set_ready_text(words.ready)
        self.attract.set_invitation(words.tagline, words.invitation, listens=mode in ("on", "push"))
        self.shopping.conversation.input.setPlaceholderText(words.placeholder)
