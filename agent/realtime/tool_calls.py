"""The function calls of realtime responses: each runs through the tool runner as soon as its arguments are complete
(so cards render while the model is still talking), and every call of a response is answered with its
`function_call_output`, a failed one too (as structured output), in the order the model made them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from agent.realtime import events as rt
from app.brain import ToolRunner
from app.session import ShopperSession


class ToolCalls:
    def __init__(self, tools: ToolRunner) -> None:
        self.tools = tools
        self._running: dict[str, asyncio.Task[dict[str, Any]]] = {}

    @property
    def running(self) -> bool:
        return bool(self._running)

    def start(self, session: ShopperSession | None, call_id: str, name: str, arguments: str) -> None:
        """Run one call now (once per call id), as the shopper's assistant."""
        if session is None or call_id in self._running:
            return
        self._running[call_id] = asyncio.get_running_loop().create_task(
            self.tools.call(session, name, arguments, call_id=call_id, source="assistant"))

    async def answer(self, session: ShopperSession | None, calls: Sequence[rt.FunctionCall],
                     send: Callable[[rt.ClientEvent], Awaitable[None]]) -> None:
        """Run the calls of a finished response not yet started, and send each one's output as it completes."""
        for call in calls:
            self.start(session, call.call_id, call.name, call.arguments)
        for call in calls:
            task = self._running.pop(call.call_id)
            try:
                result = await task
            except Exception as exc:  # ToolRunner never raises; this is belt and braces
                result = {"ok": False, "error": {"code": "tool_failed", "message": str(exc)}}
            await send(rt.function_call_output(call.call_id, json.dumps(result, default=str)))
