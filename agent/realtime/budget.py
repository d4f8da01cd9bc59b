"""The voice budget of one shopper's session: every realtime response re-bills the conversation so far, so tokens
are counted per session and the realtime brain hands over to the offline brain past `RealtimeOptions.token_budget`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.realtime import events as rt


@dataclass
class TokenBudget:
    limit: int
    used: int = 0

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def add(self, usage: rt.Usage) -> dict[str, Any]:
        """Count one response's usage; returns what the `usage` event reports about it."""
        self.used += usage.total_tokens
        return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                "total_tokens": usage.total_tokens, "session_total": self.used}
