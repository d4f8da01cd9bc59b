"""`aisle chat`: the terminal conversation, for staff and for scripted tests.

Interactive mode streams Aisle's reply and prints product tables; `--json` reads one shopper message per input line,
waits for that turn's `completion`, and prints every bus event as one JSON object per line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, TextIO

from app.conversation import MessageRejected
from app.events import ErrorRaised, Event, ReplyChunkStreamed, ReplyCompleted, ToolCalled
from app.runtime import Runtime


def _table(products: list[dict[str, Any]]) -> str:
    rows = [f"  {'#':>2}  {'id':<9} {'product':<42} {'price':>9}  stock"]
    for i, p in enumerate(products, start=1):
        name = f"{p['brand']} {p['name']}"[:42]
        stock = "-" if p["stock"] is None else (str(p["stock"]) if p["stock"] else "out")
        rows.append(f"  {i:>2}  {p['id']:<9} {name:<42} {p['price']:>9.2f}  {stock}")
    return "\n".join(rows)


class TerminalPrinter:
    """Renders bus events for a person at a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = False

    def __call__(self, event: Event) -> None:
        match event.payload:
            case ReplyChunkStreamed(text=text):
                if not self.started:
                    self.out.write("aisle> ")
                    self.started = True
                self.out.write(text)
                self.out.flush()
            case ReplyCompleted():
                self.out.write("\n")
                self.started = False
            case ToolCalled(name=name, result=result):
                products = result.get("products") or result.get("recommendations")
                if products and name in ("search_products", "get_recommendations"):
                    self.out.write("\n" + _table(products) + "\n")
                elif name == "checkout" and result.get("ok"):
                    self.out.write(f"\n  order {result['order_number']}: {result['total']:.2f} USD\n")
            case ErrorRaised(message=message):
                self.out.write(f"\n[error] {message}\n")


async def run_chat(runtime: Runtime, json_mode: bool, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    conversation = runtime.conversation
    if json_mode:
        def emit(event: Event) -> None:
            out.write(json.dumps(event.to_json_dict(), default=str) + "\n")
        runtime.bus.subscribe(emit)
    else:
        runtime.bus.subscribe(TerminalPrinter(out))
        out.write("Aisle (offline). Ask for what you need; 'quit' to leave.\n")
    loop = asyncio.get_running_loop()
    while True:
        if not json_mode:
            out.write("you> ")
            out.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if not json_mode and text.lower() in ("quit", "exit", "bye"):
            break
        try:
            await conversation.submit_text(text, source="typed")
        except MessageRejected as exc:
            if json_mode:
                out.write(json.dumps({"event": "error", "data": {"message": str(exc), "code": "rejected"}}) + "\n")
            else:
                out.write(f"[{exc}]\n")
        out.flush()
    await runtime.close()
    return 0
