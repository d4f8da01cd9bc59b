"""The kiosk window: screens, overlays and the wiring between bridge signals, widgets and controller intents."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from app.settings import Settings
from ui import theme as themes
from ui.bridge import EventBridge
from ui.components import ComponentContext, render_call
from ui.controller import KioskController
from ui.icons import icon
from ui.idle import IdleOverlay, IdleWatcher
from ui.images import ImageProvider
from ui.keyboard import OnScreenKeyboard
from ui.screens.attract import AttractScreen
from ui.screens.shopping import ShoppingScreen
from ui.staff import CornerHotspot, PinPrompt, StaffPanel
from ui.widgets import StatusIndicator, Toast, button, clear_layout, label

log = logging.getLogger("aisle.ui.window")
EMPTY_CART: dict[str, Any] = {"items": [], "total": 0.0, "item_count": 0}
FINISH_SCREEN_S = 45  # how long the order number and QR code stay up before the kiosk starts over


class CartBadge(QWidget):
    """The cart button in the top bar, with a count that follows the cart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.button = button("Cart", "Cart: empty", role="badge", icon_name="cart")
        self.button.setIconSize(QSize(30, 30))
        lay.addWidget(self.button)
        self.count = 0

    def set_count(self, count: int) -> None:
        self.count = count
        self.button.setText(f"Cart · {count}" if count else "Cart")
        self.button.setAccessibleName(f"Cart: {count} item{'s' if count != 1 else ''}" if count else "Cart: empty")
        self.button.setProperty("role", "primary" if count else "badge")
        self.button.style().unpolish(self.button)
        self.button.style().polish(self.button)
        t = themes.current()
        self.button.setIcon(icon("cart", t.accent_text if count else t.text))


class KioskWindow(QMainWindow):
    quit_requested = Signal()
    first_painted = Signal()
    voice_changed = Signal(str)  # from a voice service's listener, any thread (queued to the UI thread)

    def __init__(self, settings: Settings, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.controller = controller
        self.setWindowTitle(f"Aisle · {settings.store_name}")
        self.setAccessibleName("Aisle shopping kiosk")
        self.images = ImageProvider(controller.fetch_images if controller.ready else None, parent=self)
        self.bridge = EventBridge(self)
        self.session_id: str | None = None
        self.voice = "idle"
        self.busy = False
        self.quit_allowed = False
        self.pending_start: tuple[str, str] | bool | None = None
        self.featured: list[dict[str, Any]] = []
        self._incoming: list[QWidget] = []  # product widgets built, to be shown on the next loop turn
        self.endpoint_url: str | None = None  # the HTTP endpoint, when it runs (shown on the staff panel)
        self.services: list[Any] = []  # services beside the window (voice); their status() feeds /health
        self.categories: list[tuple[str, str]] = []
        self.finish_timer = QTimer(self)
        self.finish_timer.setSingleShot(True)
        self.finish_timer.setInterval(FINISH_SCREEN_S * 1000)
        self.finish_timer.timeout.connect(lambda: self._end("finished"))
        self.idle = IdleWatcher(settings.idle_timeout_s, settings.idle_countdown_s, self)
        self.idle.warn.connect(self._idle_warn)
        self.idle.tick.connect(lambda left: self.idle_overlay.set_left(left))
        self.idle.expired.connect(self._idle_expired)
        self.idle.resumed.connect(lambda: self.idle_overlay.hide())
        self._connect_bridge()
        self.voice_changed.connect(self._set_voice, Qt.ConnectionType.QueuedConnection)
        controller.runtime_ready.connect(self._runtime_ready)
        controller.problem.connect(lambda text: self.toast.show_message(text, warning=True))
        controller.busy_changed.connect(self._busy_changed)
        self._build()
        QShortcut(QKeySequence("Ctrl+Alt+S"), self, activated=self.open_staff)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self._escape)
        if controller.ready:
            self._runtime_ready()

    # -- building --------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        t = themes.current()
        root = QWidget()
        root.setObjectName("KioskRoot")
        self.setCentralWidget(root)
        outer = QVBoxLayout(root)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.topbar = QFrame()
        self.topbar.setProperty("role", "topbar")
        bar = QHBoxLayout(self.topbar)
        bar.setContentsMargins(t.px(24), t.px(10), t.px(24), t.px(10))
        bar.setSpacing(t.px(16))
        self.store_label = label(self.settings.store_name, "h3")
        bar.addWidget(self.store_label)
        self.status = StatusIndicator()
        bar.addWidget(self.status)
        bar.addStretch(1)
        self.badge = CartBadge()
        self.badge.button.clicked.connect(self._focus_cart)
        bar.addWidget(self.badge)
        self.start_over_button = button("Start over", "Start over: clear the cart and the conversation",
                                        role="ghost", icon_name="restart")
        self.start_over_button.clicked.connect(lambda: self.controller.end_session("start_over"))
        bar.addWidget(self.start_over_button)
        outer.addWidget(self.topbar)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.attract = AttractScreen(self.settings.store_name, self.images)
        self.attract.start_requested.connect(self.start_shopping)
        self.attract.product_chosen.connect(self._start_with_product)
        self.attract.first_painted.connect(self.first_painted.emit)
        self.shopping = ShoppingScreen(self.settings.max_message_chars)
        self.finish_screen = QWidget()
        self.finish_screen.setObjectName("Screen")
        self.finish_layout = QVBoxLayout(self.finish_screen)
        self.finish_layout.setContentsMargins(0, 0, 0, 0)
        for screen in (self.attract, self.shopping, self.finish_screen):
            self.stack.addWidget(screen)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.attach(self.shopping.conversation.input)
        self.keyboard.hide()
        self.keyboard.enter_pressed.connect(self.shopping.conversation._send)
        self.keyboard.hide_requested.connect(self.keyboard.hide)
        outer.addWidget(self.keyboard)
        conv = self.shopping.conversation
        conv.send_requested.connect(self._send)
        conv.suggestion_chosen.connect(self._send)
        conv.keyboard_toggled.connect(self._toggle_keyboard)
        conv.mic_button.setVisible(self.settings.push_to_talk)
        conv.talk_held.connect(self._push_to_talk)
        self.shopping.products.category_chosen.connect(lambda name: self._send(f"Show me {name.lower()}"))
        self.shopping.products.set_categories(self.categories)
        self.shopping.cart.quantity_requested.connect(self.controller.set_quantity)
        self.shopping.cart.checkout_requested.connect(self.controller.review_order)
        self.toast = Toast(root)
        self.idle_overlay = IdleOverlay(root)
        self.idle_overlay.still_here.connect(self._still_here)
        self.idle_overlay.start_over.connect(lambda: self._end("start_over"))
        self.pin_prompt = PinPrompt(root)
        self.pin_prompt.submitted.connect(self._check_pin)
        self.pin_prompt.created.connect(self._create_pin)
        self.pin_prompt.cancelled.connect(self._staff_closed)
        self.staff_panel = StaffPanel(root)
        self.staff_panel.closed.connect(self._staff_closed)
        self.staff_panel.save_requested.connect(self._save_settings)
        self.staff_panel.import_requested.connect(self._import_catalog)
        self.staff_panel.quit_requested.connect(self._quit)
        self.staff_panel.refresh_requested.connect(self._refresh_sessions)
        self.staff_panel.device_chosen.connect(self._choose_device)
        self.staff_panel.push_to_talk_changed.connect(self._set_push_to_talk)
        self.staff_panel.speaker_test_requested.connect(self._test_speaker)
        self.hotspot = CornerHotspot(root)
        self.hotspot.long_pressed.connect(self.open_staff)
        self.hotspot.move(0, 0)
        self.hotspot.raise_()
        self._show_attract()
        if self.featured:
            self.attract.set_featured(self.featured)

    def rebuild(self) -> None:
        """Recreate every widget (after a theme or text-size change)."""
        old = self.centralWidget()
        self._build()
        if old is not None:
            old.deleteLater()
        self._update_status()

    def _connect_bridge(self) -> None:
        b = self.bridge
        b.session_started.connect(self._on_session_started)
        b.session_ended.connect(self._on_session_ended)
        b.shopper_message.connect(self._on_shopper_message)
        b.text_chunk.connect(self._on_text_chunk)
        b.completion.connect(self._on_completion)
        b.function_call.connect(self._on_function_call)
        b.context.connect(self._on_context)
        b.error.connect(self._on_error)
        b.notice.connect(self._on_notice)
        b.voice_state.connect(self._on_voice_state)
        b.transcript.connect(self._on_transcript)
        b.brain_changed.connect(self._on_brain_changed)

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

    # -- runtime ---------------------------------------------------------------------------------------------------
    def _runtime_ready(self) -> None:
        runtime = self.controller.runtime
        if runtime is None:
            return
        self.bridge.attach(runtime.bus)
        self.images.set_fetcher(self.controller.fetch_images)
        self.controller.spawn(self._load_catalog_views(), "loading the featured products")
        runtime.catalog_listeners.append(self._catalog_replaced)
        self._update_status()

    async def _catalog_replaced(self) -> None:
        """A new catalog went live under the window (a fleet update, between shoppers): redraw what shows it."""
        self.images.clear()
        await self._load_catalog_views()

    async def _load_catalog_views(self) -> None:
        self.featured = await self.controller.featured(12)
        runtime = self.controller.runtime
        if runtime is not None:
            catalog = runtime.catalog
            cats = await runtime.run_blocking(catalog.categories)
            self.categories = [(c.slug, c.name) for c in cats][:12]
            self.shopping.products.set_categories(self.categories)
        self.attract.set_featured(self.featured)
        self._warm_up()
        if self.pending_start is not None:
            pending, self.pending_start = self.pending_start, None
            if isinstance(pending, tuple):
                self._start_with_product(*pending)
            else:
                self.start_shopping()

    def _warm_up(self) -> None:
        """Build, lay out and paint a small results grid off screen once, so that the first real one does not pay
        for style sheet polish and font caches while a shopper waits."""
        if self.featured and not getattr(self, "_warmed", False):
            self._warmed = True
            call = {"name": "search_products", "result": {"ok": True, "query": "", "products": self.featured[:6]}}
            view = render_call(self._component_context(), call)
            if view is not None:
                view.resize(1000, 900)
                view.grab()
                view.deleteLater()

    # -- screens ---------------------------------------------------------------------------------------------------
    def _show_attract(self) -> None:
        self.topbar.hide()
        self.keyboard.hide()
        self.stack.setCurrentWidget(self.attract)
        self.attract.setFocus()  # Enter or Space starts; no focus ring on the button until Tab
        self.attract.hero.timer.start()
        if self.featured:
            self.attract.timer.start()

    def _show_shopping(self) -> None:
        self.topbar.show()
        self.stack.setCurrentWidget(self.shopping)
        self.attract.timer.stop()
        self.attract.hero.timer.stop()

    @property
    def screen_name(self) -> str:
        current = self.stack.currentWidget()
        return {id(self.attract): "attract", id(self.shopping): "shopping",
                id(self.finish_screen): "finish"}.get(id(current), "")

    def start_shopping(self) -> None:
        if not self.controller.ready or (self.featured == [] and self.pending_start is None
                                         and self.controller.runtime is None):
            self.pending_start = True
            self.status.set_state("starting")
            self._show_shopping()
            return
        self._show_shopping()
        self.shopping.conversation.input.setFocus()
        self.controller.start_session([p["id"] for p in self.featured])

    def _start_with_product(self, product_id: str, name: str) -> None:
        if not self.controller.ready:
            self.pending_start = (product_id, name)
            self._show_shopping()
            return
        self._show_shopping()
        self.controller.start_session([p["id"] for p in self.featured])
        self.controller.show_details(product_id, name)

    def _end(self, reason: str) -> None:
        self.idle_overlay.hide()
        self.controller.end_session(reason)

    def reset_view(self) -> None:
        """Remove every trace of the last shopper from the screen."""
        self.session_id = None
        self.finish_timer.stop()
        self.busy = False
        self.idle.stop()
        self.idle_overlay.hide()
        self.toast.hide()
        self.toast.text.setText("")
        self.keyboard.hide()
        self.shopping.conversation.reset()
        self.shopping.conversation.input.setText("")
        for widget in self._incoming:
            widget.deleteLater()
        self._incoming = []
        self.shopping.products.reset()
        self.shopping.cart.set_cart(EMPTY_CART)
        self.badge.set_count(0)
        clear_layout(self.finish_layout)
        self.finish_view = None
        self._update_status()

    # -- bus events ------------------------------------------------------------------------------------------------
    def _mine(self, session_id: str) -> bool:
        return self.session_id is not None and session_id == self.session_id

    def _on_session_started(self, session_id: str, data: dict[str, Any]) -> None:
        if self.session_id is not None and self.session_id != session_id:
            self.reset_view()
        self.session_id = session_id
        self.pending_start = None
        if self.stack.currentWidget() is self.attract:
            self._show_shopping()
        self.idle.start()
        self._update_status()

    def _on_session_ended(self, session_id: str, data: dict[str, Any]) -> None:
        if not self._mine(session_id):
            return
        self.reset_view()
        self._show_attract()

    def _on_shopper_message(self, session_id: str, data: dict[str, Any]) -> None:
        if not self._mine(session_id):
            return
        self.idle.poke()
        self.shopping.conversation.add_shopper(str(data.get("text", "")), str(data.get("source", "typed")))
        self.busy = True
        self._update_status()

    def _on_text_chunk(self, session_id: str, data: dict[str, Any]) -> None:
        if self._mine(session_id):
            self.shopping.conversation.add_chunk(str(data.get("text", "")))

    def _on_completion(self, session_id: str, data: dict[str, Any]) -> None:
        if not self._mine(session_id):
            return
        self.shopping.conversation.complete(str(data.get("text", "")))
        self.busy = False
        self._update_status()

    def _on_function_call(self, session_id: str, data: dict[str, Any]) -> None:
        if not self._mine(session_id):
            return
        result = data.get("result") or {}
        if not result.get("ok", False):
            message = (result.get("error") or {}).get("message", "That did not work.")
            log.info("tool %s failed: %s", data.get("name"), message)
            if data.get("source") == "touch":
                self.toast.show_message(str(message), warning=True)
            return
        widget = render_call(self._component_context(), data)
        if widget is None:
            return
        if data.get("name") == "checkout":
            clear_layout(self.finish_layout)
            self.finish_layout.addWidget(widget)
            self.finish_view = widget
            self.stack.setCurrentWidget(self.finish_screen)
            self.keyboard.hide()
            self.finish_timer.start()  # the shopper walked off with the QR code: start over for the next one
            return
        if self.stack.currentWidget() is not self.shopping:
            self._show_shopping()
        # building the widget and laying it out are two loop turns, so neither holds the loop for a frame
        self._incoming.append(widget)
        if len(self._incoming) == 1:
            QTimer.singleShot(0, self, self._show_product_widgets)

    def _show_product_widgets(self) -> None:
        incoming, self._incoming = self._incoming, []
        for widget in incoming:
            if self.session_id is None:
                widget.deleteLater()
            else:
                self.shopping.products.show_widget(widget)

    def _on_context(self, session_id: str, data: dict[str, Any]) -> None:
        if not self._mine(session_id):
            return
        cart = data.get("cart") or EMPTY_CART
        if cart != self.shopping.cart.cart:
            self.shopping.cart.set_cart(cart)
        self.badge.set_count(int(cart.get("item_count", 0)))

    def _on_error(self, session_id: str, data: dict[str, Any]) -> None:
        if self._mine(session_id):
            self.shopping.conversation.add_error(str(data.get("message", "Something went wrong.")))

    def _on_notice(self, session_id: str, data: dict[str, Any]) -> None:
        text = str(data.get("text") or data.get("message") or "")
        if text:
            self.toast.show_message(text)

    def _on_voice_state(self, session_id: str, data: dict[str, Any]) -> None:
        state = str(data.get("state", "idle"))
        self.voice = state
        if state in ("listening", "speaking"):
            self.idle.poke()
        self._update_status()

    def _on_transcript(self, session_id: str, data: dict[str, Any]) -> None:
        if not self._mine(session_id) or data.get("role", "shopper") != "shopper":
            return
        self.idle.poke()
        if data.get("final"):
            self.shopping.conversation.clear_live()
        else:
            self.shopping.conversation.set_live(str(data.get("text", "")))

    def _on_brain_changed(self, session_id: str, data: dict[str, Any]) -> None:
        if data.get("brain"):
            self.toast.show_message(f"Now answering with the {data['brain']} assistant.")

    def _busy_changed(self, busy: bool) -> None:
        self.busy = busy
        self._update_status()

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
        self.status.set_state(state)

    # -- intents ---------------------------------------------------------------------------------------------------
    def _component_context(self) -> ComponentContext:
        return ComponentContext(
            images=self.images,
            show_details=self.controller.show_details,
            add_to_cart=self.controller.add_to_cart,
            confirm_order=self.controller.confirm_order,
            keep_shopping=self.shopping.products.go_back,
            finish=lambda: self._end("finished"),
            toast=self.toast.show_message,
            portrait=self.height() > self.width(),
        )

    def _send(self, text: str) -> None:
        problem = self.controller.submit_text(text)
        conv = self.shopping.conversation
        if problem:
            conv.show_problem(problem)
            return
        conv.accept_sent()
        self.keyboard.hide()

    def _push_to_talk(self, pressed: bool) -> None:
        self.idle.poke()
        for service in self.services:
            hold = getattr(getattr(service, "loop", None), "push_to_talk", None)
            if callable(hold):
                try:
                    hold(pressed)
                except Exception:
                    log.exception("push-to-talk failed")

    def _toggle_keyboard(self) -> None:
        self.keyboard.setVisible(not self.keyboard.isVisible())
        self.shopping.conversation.input.setFocus()

    def _focus_cart(self) -> None:
        cart = self.shopping.cart
        (cart.checkout_button if cart.checkout_button.isEnabled() else self.badge.button).setFocus()

    def _idle_warn(self, left: int) -> None:
        self.idle_overlay.show_countdown(left)

    def _still_here(self) -> None:
        self.idle_overlay.hide()
        self.idle.poke()

    def _idle_expired(self) -> None:
        self.idle_overlay.hide()
        self.controller.end_session("idle_timeout")

    def _escape(self) -> None:
        if self.staff_panel.isVisible():
            self.staff_panel.close_panel()
        elif self.pin_prompt.isVisible():
            self.pin_prompt.cancel()
        elif self.idle_overlay.isVisible():
            self._still_here()
        elif self.keyboard.isVisible():
            self.keyboard.hide()

    # -- staff -----------------------------------------------------------------------------------------------------
    def open_staff(self) -> None:
        if self.pin_prompt.isVisible() or self.staff_panel.isVisible():
            return
        self.idle.hold()
        self.idle_overlay.hide()
        self.pin_prompt.open_for("check" if self.settings.staff_pin_hash else "setup")

    def _staff_closed(self) -> None:
        if self.session_id is not None:
            self.idle.start()

    def _check_pin(self, pin: str) -> None:
        from ui.pin import verify_pin

        stored = self.settings.staff_pin_hash

        async def check() -> None:
            ok = await self._off_thread(lambda: verify_pin(pin, stored))
            if ok:
                self.pin_prompt.accept()
                self._open_staff_panel()
            else:
                log.warning("staff PIN refused")
                self.pin_prompt.refuse()

        self.controller.spawn(check(), "checking the PIN")

    def _create_pin(self, pin: str) -> None:
        from app.settings import save_settings
        from ui.pin import hash_pin

        async def create() -> None:
            hashed = await self._off_thread(lambda: hash_pin(pin))
            self.settings = await self._off_thread(lambda: save_settings(self.settings, {"staff_pin_hash": hashed}))
            self.controller.settings = self.settings
            self.pin_prompt.accept()
            self._open_staff_panel()
            self.toast.show_message("Staff PIN saved.")

        self.controller.spawn(create(), "saving the staff PIN")

    async def _off_thread(self, fn: Any) -> Any:
        import asyncio

        if self.controller.runtime is not None:
            return await self.controller.runtime.run_blocking(fn)
        return await asyncio.to_thread(fn)

    def _open_staff_panel(self) -> None:
        panel = self.staff_panel
        panel.show_settings(self.settings)
        service = self.voice_service()
        if service is None:
            panel.show_voice(None)
        else:
            voice = service.loop
            panel.show_voice(self.settings, lambda: voice.level_dbfs if getattr(voice, "available", True) else -120.0)
            panel.show_voice_status(self.audio_status())
            self.controller.spawn(self._list_devices(service), "listing the audio devices")
        panel.open()
        panel.close_button.setFocus()
        self.controller.spawn(self._staff_status(), "reading the staff status")
        self._refresh_sessions()

    async def _staff_status(self) -> None:
        from app.secrets import describe

        runtime = self.controller.runtime
        names = {"OpenAI key": "OPENAI_API_KEY", "Azure OpenAI key": "AZURE_OPENAI_API_KEY",
                 "Azure Speech key": "AZURE_SPEECH_KEY"}
        keys = await self._off_thread(lambda: {label_: describe(env) for label_, env in names.items()})
        brain = runtime.conversation.brain.name if runtime is not None else "starting"
        catalog = "Catalog: starting…"
        if runtime is not None:
            cat = runtime.catalog
            count = await runtime.run_blocking(cat.count)
            catalog = f"Catalog: {count} products · {cat.path}"
        if self.endpoint_url:
            catalog += f"\nSecond screens: {self.endpoint_url}"
        self.staff_panel.show_status(brain, keys, catalog)
        self.staff_panel.show_voice_status(self.audio_status())

    # -- staff: voice devices --------------------------------------------------------------------------------------
    async def _list_devices(self, service: Any) -> None:
        """Fill the pickers with the device names (the service reads them on a worker thread)."""
        names = getattr(service, "device_names", None)
        inputs, outputs = (await names()) if callable(names) else ([], [])
        self.staff_panel.show_devices(list(inputs), list(outputs), self.settings.input_device,
                                      self.settings.output_device)

    def _choose_device(self, kind: str, name: str) -> None:
        if getattr(self.settings, f"{kind}_device") == name:
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
                self.settings = await self._off_thread(lambda: save_settings(before, changes))
                self.controller.settings = self.settings
                service = self.voice_service()
                reconfigure = getattr(service, "reconfigure", None)
                if callable(reconfigure):
                    s = self.settings
                    await reconfigure(input_device=s.input_device, output_device=s.output_device,
                                      push_to_talk=s.push_to_talk)
            except Exception as exc:
                log.exception("changing the voice settings failed")
                panel.show_voice_message(f"That did not work: {exc}", warning=True)
                return
            finally:
                panel.set_voice_busy(False)
            voice = getattr(self.voice_service(), "loop", None)
            if voice is not None and getattr(voice, "available", True) is False and getattr(voice, "problem", ""):
                panel.show_voice_message(str(voice.problem), warning=True)
            else:
                panel.show_voice_message(done)
            panel.show_voice_status(self.audio_status())

        self.controller.spawn(apply(), "changing the voice settings")

    def _test_speaker(self) -> None:
        voice = getattr(self.voice_service(), "loop", None)
        say = getattr(voice, "say", None)
        panel = self.staff_panel
        if not callable(say):
            panel.show_voice_message("Voice is off, so there is no speaker to test.", warning=True)
            return

        async def test() -> None:
            panel.test_speaker_button.setEnabled(False)
            panel.show_voice_message("Playing a test line…")
            try:
                await say("This is the kiosk speaker.")
            except Exception as exc:
                # audio problems carry a sentence for people; anything else gets a general one (details in the log)
                plain = str(exc) if getattr(exc, "problem", None) is not None and str(exc) else ""
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
        runtime = self.controller.runtime
        if runtime is None:
            return

        async def load() -> None:
            history = runtime.history
            await runtime.run_blocking(history.flush)
            rows = await runtime.run_blocking(lambda: history.recent_sessions(20))
            self.staff_panel.show_sessions(rows)

        self.controller.spawn(load(), "reading recent sessions")

    def _save_settings(self, changes: dict[str, Any]) -> None:
        from app.settings import save_settings

        async def save() -> None:
            before = self.settings
            self.settings = await self._off_thread(lambda: save_settings(before, changes))
            self.controller.settings = self.settings
            self.idle.configure(self.settings.idle_timeout_s, self.settings.idle_countdown_s)
            self.apply_window_mode()
            if (before.theme, before.large_text) != (self.settings.theme, self.settings.large_text):
                if self.session_id is not None:
                    await self.controller.runtime.conversation.end_session("staff_settings")  # type: ignore[union-attr]
                app = QApplication.instance()
                themes.apply_theme(app, themes.theme_for(self.settings.theme, self.settings.large_text,
                                                         themes.current().font_family))
                self.rebuild()
                self._open_staff_panel()
            self.staff_panel.saved_label.setText("Saved.")

        self.controller.spawn(save(), "saving the settings")

    def _import_catalog(self, path: str, replace_all: bool) -> None:
        from pathlib import Path

        from app.catalog.importer import ImportFailed, import_catalog

        runtime = self.controller.runtime
        if runtime is None:
            self.staff_panel.import_finished(False, "Aisle is still starting; try again in a moment.")
            return
        panel = self.staff_panel
        relay = _ProgressRelay(self)
        relay.progress.connect(panel.import_progress)

        async def run() -> None:
            try:
                report = await runtime.run_blocking(
                    lambda: import_catalog(Path(path), runtime.catalog.path, replace_all=replace_all,
                                           progress=relay.progress.emit))
            except ImportFailed as exc:
                panel.import_finished(False, exc.report())
                return
            except (OSError, ValueError) as exc:
                panel.import_finished(False, f"The file could not be imported: {exc}")
                return
            finally:
                relay.deleteLater()
            await runtime.catalog_changed()
            self.images.clear()
            panel.import_finished(True, report.details())
            await self._load_catalog_views()

        self.controller.spawn(run(), "importing the catalog")

    def _quit(self) -> None:
        self.quit_allowed = True
        self.staff_panel.hide()
        self.quit_requested.emit()
        self.close()

    # -- window mode -----------------------------------------------------------------------------------------------
    def apply_window_mode(self) -> None:
        app = QApplication.instance()
        if self.settings.hide_cursor:
            if app.overrideCursor() is None:
                app.setOverrideCursor(Qt.CursorShape.BlankCursor)
        elif app.overrideCursor() is not None:
            app.restoreOverrideCursor()
        locked = self.settings.kiosk_lock
        flags = self.windowFlags()
        want = (flags | Qt.WindowType.FramelessWindowHint) if locked else (flags & ~Qt.WindowType.FramelessWindowHint)
        if want != flags:
            self.setWindowFlags(want)
        if locked:
            self.showFullScreen()
        elif self.isFullScreen():
            self.showNormal()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.settings.kiosk_lock and not self.quit_allowed:
            event.ignore()
            self.toast.show_message("This kiosk is locked. Staff can close it from the staff panel.")
            return
        self.quit_requested.emit()
        event.accept()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.idle.watch(self)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.toast.isVisible():
            QTimer.singleShot(0, self, self._place_toast)

    def _place_toast(self) -> None:
        root = self.centralWidget()
        self.toast.move((root.width() - self.toast.width()) // 2, root.height() - self.toast.height() - 40)


class _ProgressRelay(QWidget):
    """Carries import progress from the worker thread to the UI thread (queued signal)."""

    progress = Signal(int, int)
