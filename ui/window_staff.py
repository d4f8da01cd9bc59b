"""The kiosk window's staff workflows: the PIN check, the staff panel's status, voice devices, settings, catalog
import, recent sessions and quitting. The work runs off the UI thread; the panel only shows results."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from app.ports import VoicePort, VoiceProblem
from ui import theme as themes
from ui.staff import CornerHotspot, PinPrompt
from ui.staff_panel import StaffPanel
from ui.window_parts import WindowParts

log = logging.getLogger("aisle.ui.window")


class StaffWorkflows(WindowParts):
    """Mixed into `KioskWindow`: what the staff hotspot, the PIN prompt and the staff panel ask for."""

    # -- staff -----------------------------------------------------------------------------------------------------
    def _build_staff_overlays(self, root: QWidget) -> None:
        """The PIN prompt, the staff panel and the corner hotspot that opens them (on top of everything)."""
        self.pin_prompt = PinPrompt(root)
        self.pin_prompt.submitted.connect(self._check_pin)
        self.pin_prompt.cancelled.connect(self._staff_closed)
        panel = self.staff_panel = StaffPanel(root)
        panel.closed.connect(self._staff_closed)
        panel.save_requested.connect(self._save_settings)
        panel.import_requested.connect(self._import_catalog)
        panel.quit_requested.connect(self._quit)
        panel.refresh_requested.connect(self._refresh_sessions)
        panel.session_chosen.connect(self._show_session)
        panel.device_chosen.connect(self._choose_device)
        panel.push_to_talk_changed.connect(self._set_push_to_talk)
        panel.speaker_test_requested.connect(self._test_speaker)
        self.hotspot = CornerHotspot(root)
        self.hotspot.long_pressed.connect(self.open_staff)
        self.hotspot.move(0, 0)
        self.hotspot.raise_()

    def open_staff(self) -> None:
        """The PIN prompt; with no PIN set, it says how IT sets one and the panel does not open. A PIN set with
        `aisle staff set-pin` while the kiosk runs is read from the settings file here, without a restart."""
        if self.pin_prompt.isVisible() or self.staff_panel.isVisible():
            return
        self.idle.hold()
        self.idle_overlay.hide()
        if self.settings.staff_pin_hash:
            self.pin_prompt.open_for("check")
            return
        self.pin_prompt.open_for("missing")

        async def reread() -> None:
            from app.settings import load_settings

            data_dir = self.settings.data_dir
            stored = await self.controller.off_thread(lambda: load_settings({"data_dir": data_dir}).staff_pin_hash)
            if stored and self.pin_prompt.isVisible() and self.pin_prompt.mode == "missing":
                self.settings = self.settings.replace(staff_pin_hash=stored)
                self.controller.settings = self.settings
                self.pin_prompt.open_for("check")

        self.controller.spawn(reread(), "reading the staff PIN")

    def _staff_closed(self) -> None:
        if self.session_id is not None:
            self.idle.start()

    def _check_pin(self, pin: str) -> None:
        from app.staff_pin import verify_pin

        stored = self.settings.staff_pin_hash

        async def check() -> None:
            ok = await self.controller.off_thread(lambda: verify_pin(pin, stored))
            if ok:
                self.pin_prompt.accept()
                self._open_staff_panel()
            else:
                log.warning("staff PIN refused")
                self.pin_prompt.refuse()

        self.controller.spawn(check(), "checking the PIN")

    def _open_staff_panel(self) -> None:
        self.toast.hide()  # a shopper's confirmation must not sit over the staff controls
        panel = self.staff_panel
        panel.show_settings(self.settings)
        port = self.voice_port
        if port is None:
            panel.show_voice(None)
        else:
            panel.show_voice(self.settings, port.input_level_dbfs)
            panel.show_voice_status(self.audio_status())
            self.controller.spawn(self._list_devices(port), "listing the audio devices")
        panel.open()
        panel.close_button.setFocus()
        self.controller.spawn(self._staff_status(), "reading the staff status")
        self._refresh_sessions()

    async def _staff_status(self) -> None:
        from app.secrets import describe

        names = {"OpenAI key": "OPENAI_API_KEY", "Azure OpenAI key": "AZURE_OPENAI_API_KEY",
                 "Azure Speech key": "AZURE_SPEECH_KEY"}
        keys = await self.controller.off_thread(lambda: {label_: describe(env) for label_, env in names.items()})
        brain, catalog = await self.controller.staff_status()
        if self.endpoint_url:
            catalog += f"\nSecond screens: {self.endpoint_url}"
        self.staff_panel.show_status(brain, keys, catalog)
        self.staff_panel.show_voice_status(self.audio_status())

    # -- staff: voice devices --------------------------------------------------------------------------------------
    async def _list_devices(self, port: VoicePort) -> None:
        """Fill the pickers with the device names (voice reads them on a worker thread)."""
        inputs, outputs = await port.device_names()
        self.staff_panel.show_devices(list(inputs), list(outputs), self.settings.input_device,
                                      self.settings.output_device)

    def _choose_device(self, kind: str, name: str) -> None:
        if (self.settings.input_device if kind == "input" else self.settings.output_device) == name:
            return
        what = "microphone" if kind == "input" else "speaker"
        self._apply_voice_change({f"{kind}_device": name}, f"Now using the {what}: {name or 'system default'}.")

    def _set_push_to_talk(self, on: bool) -> None:
        self.shopping.conversation.mic_button.setVisible(on)
        self._apply_voice_change({"push_to_talk": on}, "Push-to-talk is on: shoppers hold the mic button to talk."
                                 if on else "Push-to-talk is off: Aisle listens by itself.")

    def _apply_voice_change(self, changes: dict[str, Any], done: str) -> None:
        """Save a voice setting, then restart the voice service on it (devices are reopened only if they changed)."""
        from app.settings import save_settings

        panel = self.staff_panel

        async def apply() -> None:
            panel.set_voice_busy(True)
            panel.show_voice_message("Switching…")
            try:
                before = self.settings
                self.settings = await self.controller.off_thread(lambda: save_settings(before, changes))
                self.controller.settings = self.settings
                port = self.voice_port
                if port is not None:
                    s = self.settings
                    await port.reconfigure(s.input_device, s.output_device, s.push_to_talk)
            except Exception as exc:
                log.exception("changing the voice settings failed")
                panel.show_voice_message(f"That did not work: {exc}", warning=True)
                return
            finally:
                panel.set_voice_busy(False)
            problem = self.voice_port.problem() if self.voice_port is not None else ""
            if problem:
                panel.show_voice_message(problem, warning=True)
            else:
                panel.show_voice_message(done)
            panel.show_voice_status(self.audio_status())
            self._update_status()  # the words for push-to-talk (or not) on every screen

        self.controller.spawn(apply(), "changing the voice settings")

    def _test_speaker(self) -> None:
        port = self.voice_port
        panel = self.staff_panel
        if port is None:
            panel.show_voice_message("Voice is off, so there is no speaker to test.", warning=True)
            return

        async def test() -> None:
            panel.test_speaker_button.setEnabled(False)
            panel.show_voice_message("Playing a test line…")
            try:
                await port.say("This is the kiosk speaker.")
            except Exception as exc:
                # voice problems carry a sentence for people; anything else gets a general one (details in the log)
                plain = str(exc) if isinstance(exc, VoiceProblem) else ""
                log.warning("speaker test failed: %r", exc)
                panel.show_voice_message(plain or "The speaker test did not work. Check that the speaker is "
                                                  "connected and turned on, then try again.", warning=True)
            else:
                panel.show_voice_message("You should hear “This is the kiosk speaker.” now. If you don't, check "
                                         "the speaker's volume and cable.")
            finally:
                panel.test_speaker_button.setEnabled(True)

        self.controller.spawn(test(), "testing the speaker")

    def _refresh_sessions(self) -> None:
        if not self.controller.ready:
            return

        async def load() -> None:
            rows = await self.controller.recent_sessions(20)
            if rows is not None:
                self.staff_panel.show_sessions(rows)

        self.controller.spawn(load(), "reading recent sessions")

    def _show_session(self, session_id: str) -> None:
        if not self.controller.ready:
            return

        async def load() -> None:
            self.staff_panel.show_session(await self.controller.session_record(session_id))

        self.controller.spawn(load(), "reading a session")

    def _save_settings(self, changes: dict[str, Any]) -> None:
        from app.settings import save_settings

        async def save() -> None:
            before = self.settings
            position = self.staff_panel.scroll_position()
            self.settings = await self.controller.off_thread(lambda: save_settings(before, changes))
            self.controller.settings = self.settings
            self.idle.configure(self.settings.idle_timeout_s, self.settings.idle_countdown_s)
            self.apply_window_mode()
            if (before.theme, before.large_text) != (self.settings.theme, self.settings.large_text):
                if self.session_id is not None:
                    await self.controller.end_session_now("staff_settings")
                themes.apply_theme(themes.application(), themes.theme_for(self.settings.theme, self.settings.large_text,
                                                         themes.current().font_family))
                self.rebuild()
                self._open_staff_panel()
            self.staff_panel.saved()
            self.staff_panel.restore_scroll(position)

        self.controller.spawn(save(), "saving the settings")

    def _import_catalog(self, path: str, replace_all: bool) -> None:
        from pathlib import Path

        from app.catalog.importer import ImportFailed

        if not self.controller.ready:
            self.staff_panel.import_finished(False, "Aisle is still starting; try again in a moment.")
            return
        panel = self.staff_panel
        relay = _ProgressRelay(self)
        relay.progress.connect(panel.import_progress)

        async def run() -> None:
            try:
                report = await self.controller.import_catalog(Path(path), replace_all, relay.progress.emit)
            except ImportFailed as exc:
                panel.import_finished(False, exc.report())
                return
            except (OSError, ValueError) as exc:
                panel.import_finished(False, f"The file could not be imported: {exc}")
                return
            finally:
                relay.deleteLater()
            self.images.clear()
            panel.import_finished(True, report.details())
            await self._load_catalog_views()

        self.controller.spawn(run(), "importing the catalog")

    def _quit(self) -> None:
        self.quit_allowed = True
        self.staff_panel.hide()
        self.quit_requested.emit()
        self.close()


class _ProgressRelay(QWidget):
    """Carries import progress from the worker thread to the UI thread (queued signal)."""

    progress = Signal(int, int)
