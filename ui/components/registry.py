"""The registry: one component per tool name. A `function_call` event goes in, a widget (or nothing) comes out.

A component is `fn(ctx, call) -> QWidget | None`: None means "this call changes nothing in the product area" (the
cart panel and toasts follow the cart through `context` events). A component that raises, or a tool with no
component, gives a fallback card and a log line: the window never falls over on one bad result. Failed tool results
(`ok: false`) are not the component's business: the window shows their message as a toast.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QWidget

from ui.images import ImageProvider

log = logging.getLogger("aisle.ui.components")

Component = Callable[["ComponentContext", dict[str, Any]], QWidget | None]
_REGISTRY: dict[str, Component] = {}
_BUILTINS = ("ui.components.results", "ui.components.details", "ui.components.cart_review",
             "ui.components.finish")
_loaded = False


@dataclass
class ComponentContext:
    """What a component may use: the image provider and the shopper's intents (all fire-and-forget)."""

    images: ImageProvider
    show_details: Callable[[str, str], None] = lambda pid, name: None
    add_to_cart: Callable[[str, str], None] = lambda pid, name: None
    confirm_order: Callable[[], None] = lambda: None
    keep_shopping: Callable[[], None] = lambda: None
    finish: Callable[[], None] = lambda: None
    toast: Callable[[str], None] = lambda text: None
    portrait: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def register(tool: str) -> Callable[[Component], Component]:
    def decorate(fn: Component) -> Component:
        _REGISTRY[tool] = fn
        return fn

    return decorate


def unregister(tool: str) -> None:
    _REGISTRY.pop(tool, None)


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _BUILTINS:
            importlib.import_module(module)


def registered() -> dict[str, Component]:
    _load_builtins()
    return dict(_REGISTRY)


def render_call(ctx: ComponentContext, call: dict[str, Any]) -> QWidget | None:
    """The widget for one successful tool call, a fallback card when that fails, or None for no change."""
    _load_builtins()
    name = str(call.get("name", ""))
    component = _REGISTRY.get(name)
    if component is None:
        log.warning("no component for tool %r; showing the fallback card", name)
        return _fallback(ctx, call, "no component")
    try:
        return component(ctx, call)
    except Exception as exc:
        log.exception("component for %r failed to render; showing the fallback card", name)
        return _fallback(ctx, call, type(exc).__name__)


def _fallback(ctx: ComponentContext, call: dict[str, Any], why: str) -> QWidget:
    from ui.components.fallback import FallbackCard

    return FallbackCard(call, why)
