"""The kiosk window: screens, overlays and the wiring between bridge signals, widgets and controller intents."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from app.ports import VoicePort
from app.settings import Settings
from ui import theme as themes
from ui.bridge import EventBridge
from ui.components import ComponentContext, render_call
from ui.controller import KioskController
from ui.focus_home import FocusHome
from ui.idle import IdleOverlay, IdleWatcher
from ui.images import ImageProvider
from ui.keyboard import OnScreenKeyboard
from ui.screens.attract import AttractScreen
from ui.screens.shopping import ShoppingScreen
from ui.start_over import StartOverPrompt
from ui.topbar import CartBadge
from ui.voice_status import StatusIndicator
from ui.widgets import Toast, button, clear_layout, label
from ui.window_events import EMPTY_CART, BusEvents
from ui.window_mode import apply_cursor, fill_screen
from ui.window_staff import StaffWorkflows
from ui.window_voice import VoiceStatus

log = logging.getLogger("aisle.ui.window")
FINISH_SCREEN_S = 45  # how long the order number and QR code stay up before the kiosk starts over


class KioskWindow(BusEvents, VoiceStatus, StaffWorkflows, QMainWindow):
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
        self.voice_port: VoicePort | None = None  # voice beside the window (None without voice)
        self._warmed = False  # the first results grid was painted off screen
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
        QShortcut(QKeySequence("Ctrl+Alt+S"), self, self.open_staff)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape)
        if controller.ready:
            self._runtime_ready()

    # -- building --------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QWidget()
        root.setObjectName("KioskRoot")
        self.setCentralWidget(root)
        outer = QVBoxLayout(root)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._build_topbar())
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self._build_screens()
        self.keyboard = OnScreenKeyboard()
        self.keyboard.attach(self.shopping.conversation.input)
        self.keyboard.hide()
        self.keyboard.enter_pressed.connect(self.shopping.conversation._send)
        self.keyboard.hide_requested.connect(self.keyboard.hide)
        outer.addWidget(self.keyboard)
        self._build_overlays(root)
        self._show_attract()
        if self.featured:
            self.attract.set_featured(self.featured)
        self._show_voice_mode()

    def _build_topbar(self) -> QFrame:
        t = themes.current()
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
        self.badge.button.clicked.connect(self._open_cart)
        bar.addWidget(self.badge)
        self.start_over_button = button("Start over", "Start over: clear the cart and the conversation",
                                        role="ghost", icon_name="restart")
        self.start_over_button.clicked.connect(self._ask_start_over)
        bar.addWidget(self.start_over_button)
        return self.topbar

    def _build_screens(self) -> None:
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
        conv = self.shopping.conversation
        conv.send_requested.connect(self._send)
        conv.suggestion_chosen.connect(self._send)
        conv.keyboard_toggled.connect(self._toggle_keyboard)
        conv.mic_button.setVisible(self.settings.push_to_talk)
        conv.talk_held.connect(self._push_to_talk)
        self.focus_home = FocusHome(self.shopping, conv.input)  # focus Qt moves off a hidden button: the text box
        self.shopping.products.category_chosen.connect(lambda name: self._send(f"Show me {name.lower()}"))
        self.shopping.products.set_categories(self.categories)
        self.shopping.cart.quantity_requested.connect(self.controller.set_quantity)
        self.shopping.cart.checkout_requested.connect(self.controller.review_order)

    def _build_overlays(self, root: QWidget) -> None:
        self.toast = Toast(root, area=self._toast_area)
        self.toast.follow(self.shopping.products)
        self.idle_overlay = IdleOverlay(root)
        self.idle_overlay.still_here.connect(self._still_here)
        self.idle_overlay.start_over.connect(lambda: self._end("start_over"))
        self.start_over_prompt = StartOverPrompt(root)
        self.start_over_prompt.confirmed.connect(lambda: self._end("start_over"))
        self._build_staff_overlays(root)  # last: the corner hotspot is above everything

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

    # -- runtime ---------------------------------------------------------------------------------------------------
    def _runtime_ready(self) -> None:
        if not self.controller.ready:
            return
        self.controller.connect_events(self.bridge.attach, self._catalog_replaced)
        self.images.set_fetcher(self.controller.fetch_images)
        self.controller.spawn(self._load_catalog_views(), "loading the featured products")
        self._update_status()

    async def _catalog_replaced(self) -> None:
        """A new catalog went live under the window (a fleet update, between shoppers): redraw what shows it."""
        self.images.clear()
        await self._load_catalog_views()

    async def _load_catalog_views(self) -> None:
        self.featured = await self.controller.featured(12)
        if self.controller.ready:
            self.categories = await self.controller.categories(12)
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
        if self.featured and not self._warmed:
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
                                         and not self.controller.ready):
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
        self.controller.start_with_details([p["id"] for p in self.featured], product_id, name)

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
        self.start_over_prompt.hide()
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
            extra={"category_names": dict(self.categories), "window_width": self.width()},
        )

    def _send(self, text: str) -> None:
        problem = self.controller.submit_text(text)
        conv = self.shopping.conversation
        if problem:
            conv.show_problem(problem)
            return
        conv.accept_sent()
        self.keyboard.hide()

    def _toggle_keyboard(self) -> None:
        self.keyboard.setVisible(not self.keyboard.isVisible())
        self.shopping.conversation.input.setFocus()

    def _open_cart(self) -> None:
        """The top bar's "Cart": the cart review with its lines and total (an empty cart says so)."""
        if self.shopping.cart.lines:
            self.controller.review_order("Cart")
        else:
            self.toast.show_message("Your cart is empty. Tap “Add to cart” on a product.")

    def _ask_start_over(self) -> None:
        """Start over at once with an empty cart; with something in it, ask first."""
        count = int(self.shopping.cart.cart.get("item_count", 0))
        if count:
            self.start_over_prompt.ask(count)
        else:
            self._end("start_over")

    def _toast_area(self) -> QRect:
        """Where toasts may appear: over the bottom of the product area while shopping (never over the text box or
        Checkout, in either orientation), else over the bottom of the window."""
        root = self.centralWidget()
        if root is None:
            return self.rect()
        if self.stack.currentWidget() is self.shopping and self.shopping.isVisible():
            area = self.shopping.products
            return QRect(area.mapTo(root, QPoint(0, 0)), area.size())
        return root.rect()

    def _idle_warn(self, left: int) -> None:
        self.idle_overlay.show_countdown(left)

    def _still_here(self) -> None:
        self.idle_overlay.hide()
        self.idle.poke()

    def _idle_expired(self) -> None:
        self.idle_overlay.hide()
        self.controller.end_session("idle_timeout")

    def _escape(self) -> None:
        if self.start_over_prompt.isVisible():
            self.start_over_prompt.keep()
        elif self.staff_panel.isVisible():
            self.staff_panel.close_panel()
        elif self.pin_prompt.isVisible():
            self.pin_prompt.cancel()
        elif self.idle_overlay.isVisible():
            self._still_here()
        elif self.keyboard.isVisible():
            self.keyboard.hide()

    # -- window mode -----------------------------------------------------------------------------------------------
    def apply_window_mode(self) -> None:
        """Cursor and window mode from the settings: the locked kiosk fills the primary screen, frameless; otherwise
        the window fills the screen's available area (both with or without a window manager)."""
        apply_cursor(self.settings.hide_cursor)
        locked = self.settings.kiosk_lock
        if locked or self.isFullScreen() or not self.isVisible():
            fill_screen(self, locked)

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
        self.toast.place()
