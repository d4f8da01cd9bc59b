"""What the offline agent remembers about one conversation: the list on screen and the constraints that produced
it, the product being talked about, the pending offer ("Shall I add it?"), and the line added last."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# what "yes" would do: ("add", product_id, quantity) | ("similar", category, 0) | ("pick", "", 0) | ("pair", id, 0)
Offer = tuple[str, str, int]


@dataclass
class DialogueState:
    awaiting_confirmation: bool = False  # the order was read back; "yes" places it
    offer: Offer | None = None
    last_search: dict[str, Any] = field(default_factory=dict)  # the search_products arguments of the list on screen
    by_category: dict[str, dict[str, Any]] = field(default_factory=dict)  # the last search of each category
    listed: list[str] = field(default_factory=list)  # the list the agent last presented ("the second one")
    subject: str | None = None  # the product the conversation is about ("it", "that one")
    last_added: str | None = None
    pair: list[str] = field(default_factory=list)  # the products last compared ("the other one", "of the two")
    turn: int = 0

    def remember_search(self, args: dict[str, Any], product_ids: list[str]) -> None:
        """A new list is on screen: what produced it, for refinements ("which of these are under 80?")."""
        self.last_search = dict(args)
        if args.get("category"):
            self.by_category[str(args["category"])] = dict(args)
        self.listed = list(product_ids)
        self.subject = product_ids[0] if len(product_ids) == 1 else None
        self.pair = []

    def after_tap(self, focus: str | None) -> None:
        """The shopper acted on the screen: what they touched is what "it" means now; pending offers are void."""
        self.awaiting_confirmation = False
        self.offer = None
        self.subject = focus  # the list being browsed stays what "the first one" means
