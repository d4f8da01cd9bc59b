"""What the kiosk window's parts share: the widgets `KioskWindow` builds and the state it keeps, declared once with
their types, so the parts (bus events, voice status, staff workflows) are type-checked against the real window.

The parts are mixed into `KioskWindow` (a `QMainWindow`); for the type checker they are `QMainWindow`s too, at run
time plain classes, so the window's method order is unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from app.ports import VoicePort
from app.settings import Settings
from ui.components import ComponentContext
from ui.controller import KioskController
from ui.idle import IdleOverlay, IdleWatcher
from ui.images import ImageProvider
from ui.keyboard import OnScreenKeyboard
from ui.screens.attract import AttractScreen
from ui.screens.shopping import ShoppingScreen
from ui.staff import CornerHotspot, PinPrompt
from ui.staff_panel import StaffPanel
from ui.topbar import CartBadge
from ui.voice_status import StatusIndicator
from ui.widgets import Toast

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow as _WindowBase
else:
    _WindowBase = object


class WindowParts(_WindowBase):
    """The window's shared widgets and state (annotations only) and the calls the parts make on each other."""

    quit_requested: Signal
    voice_changed: Signal

    settings: Settings
    controller: KioskController
    images: ImageProvider
    session_id: str | None
    voice: str  # what voice is doing ("idle", "listening", …), from the port or the bus
    voice_port: VoicePort | None
    busy: bool
    quit_allowed: bool
    pending_start: tuple[str, str] | bool | None
    endpoint_url: str | None
    categories: list[tuple[str, str]]
    _incoming: list[QWidget]

    stack: QStackedWidget
    attract: AttractScreen
    shopping: ShoppingScreen
    finish_screen: QWidget
    finish_layout: QVBoxLayout
    finish_view: QWidget | None
    finish_timer: QTimer
    keyboard: OnScreenKeyboard
    status: StatusIndicator
    badge: CartBadge
    toast: Toast
    idle: IdleWatcher
    idle_overlay: IdleOverlay
    pin_prompt: PinPrompt
    hotspot: CornerHotspot
    staff_panel: StaffPanel

    if TYPE_CHECKING:
        # defined by KioskWindow or by another part
        def reset_view(self) -> None: ...
        def rebuild(self) -> None: ...
        def apply_window_mode(self) -> None: ...
        def _show_attract(self) -> None: ...
        def _show_shopping(self) -> None: ...
        def _update_status(self) -> None: ...
        def audio_status(self) -> str: ...
        def _component_context(self) -> ComponentContext: ...
        async def _load_catalog_views(self) -> None: ...
