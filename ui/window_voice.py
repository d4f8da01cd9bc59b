"""The kiosk window's voice side: services beside the window (their state drives the status even between
sessions), push-to-talk, and what the screen says about voice (the status pill, the large listening / speaking
banner, and the words for voice on, push-to-talk, off and unavailable)."""

from __future__ import annotations

import logging
from typing import Any

from ui.voice_words import WORDS, voice_mode

log = logging.getLogger("aisle.ui.window")


class VoiceStatus:
    """Mixed into `KioskWindow`."""

    def add_service(self, service: Any) -> None:
        """A service beside the window. A voice service's state listener (if it has one) drives the status
        indicator even between sessions, when no `voice_state` events are published."""
        self.services.append(service)
        voice = getattr(service, "loop", None)
        listeners = getattr(voice, "listeners", None)
        if isinstance(listeners, list):
            listeners.append(lambda state, text="": self.voice_changed.emit(str(getattr(state, "value", state))))
            state = getattr(voice, "state", None)
            if state is not None:
                self._set_voice(str(getattr(state, "value", state)))

    def _set_voice(self, state: str) -> None:
        self.voice = state
        self._update_status()
        if self.staff_panel.isVisible():
            self.staff_panel.show_voice_status(self.audio_status())

    def voice_service(self) -> Any | None:
        """The voice service beside the window (None when the kiosk runs without voice)."""
        for service in self.services:
            if getattr(service, "name", "") == "audio" and getattr(service, "loop", None) is not None:
                return service
        return None

    def audio_status(self) -> str:
        """For /health (called on the server thread: reads only)."""
        for service in list(self.services):
            if getattr(service, "name", "") == "audio":
                return str(service.status())
        return "off (no voice service)"

    def _push_to_talk(self, pressed: bool) -> None:
        self.idle.poke()
        for service in self.services:
            hold = getattr(getattr(service, "loop", None), "push_to_talk", None)
            if callable(hold):
                try:
                    hold(pressed)
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
        if getattr(self.status, "voice_mode", None) == mode:
            return
        words = WORDS[mode]
        self.status.voice_mode = mode
        self.status.set_ready_text(words.ready)
        self.attract.set_invitation(words.tagline, words.invitation, listens=mode in ("on", "push"))
        self.shopping.conversation.input.setPlaceholderText(words.placeholder)
