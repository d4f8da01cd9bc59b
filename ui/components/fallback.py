"""The fallback card: shown for a tool with no component, or one whose component failed. Plain and safe."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.widgets import frame, label

_TITLES = {
    "view_cart": "Your cart",
    "update_cart_item": "Cart updated",
}


class FallbackCard(QWidget):
    def __init__(self, call: dict[str, Any], why: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FallbackCard")
        self.tool = str(call.get("name", ""))
        self.why = why
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        card = frame("card")
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(28, 24, 28, 24)
        lay.setSpacing(8)
        title = _TITLES.get(self.tool) or self.tool.replace("_", " ").capitalize() or "Result"
        lay.addWidget(label(title, "h3"))
        lay.addWidget(label(_summary(call.get("result") or {}), "muted", wrap=True))
        lay.addWidget(label("This result can't be shown in full here; Aisle can tell you about it.", "small",
                            wrap=True))
        outer.addStretch(1)


def _summary(result: dict[str, Any]) -> str:
    parts: list[str] = []
    for key, value in result.items():
        if key == "ok":
            continue
        if isinstance(value, list):
            names = [str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value[:5]]
            parts.append(f"{key.replace('_', ' ')}: {', '.join(names)}" if names else "")
        elif isinstance(value, dict):
            if "name" in value:
                parts.append(f"{key.replace('_', ' ')}: {value['name']}")
            elif "total" in value:
                parts.append(f"{key.replace('_', ' ')}: ${float(value['total']):,.2f}")
        else:
            parts.append(f"{key.replace('_', ' ')}: {value}")
    return "\n".join(p for p in parts if p)[:600] or "Done."
