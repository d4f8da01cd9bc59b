"""The voice budget of one shopper's session: every realtime response re-bills the conversation so far, so tokens
are counted per session and the realtime brain hands over to the offline brain past `RealtimeOptions.token_budget`.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.realtime import events as rt
from app.events import UsageRecorded


@dataclass
class TokenBudget:
    limit: int
    used: int = 0

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def add(self, usage: rt.Usage, brain: str) -> UsageRecorded:
        """Count one response's usage; returns the `usage` event that reports it."""
        self.used += usage.total_tokens
        return UsageRecorded(usage.input_tokens, usage.output_tokens, usage.total_tokens, session_total=self.used,
                             brain=brain)
