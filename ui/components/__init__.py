"""Product-area components, chosen by tool name from one registry (`ui.components.registry`)."""

from ui.components.registry import ComponentContext, register, registered, render_call

__all__ = ["ComponentContext", "register", "registered", "render_call"]
