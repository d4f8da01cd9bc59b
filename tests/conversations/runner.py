"""Plays one dialogue through the real conversation path and checks every turn, keeping a readable transcript.

Each turn goes through `runtime.conversation.submit_text` (or `touch` for a tap), exactly as the kiosk's screens do;
what happened is read off the bus: the tool calls (`function_call`), the reply (`completion`, which the streamed
chunks must add up to), and the cart (`context`). The list on screen is the latest search or recommendation result.
After every reply the honesty checker and the reply hygiene checks run, whatever the dialogue expects.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.catalog.schema import Product
from app.events import Event, EventKind
from app.runtime import Runtime
from tests.conversations import expectations
from tests.conversations.dialogues import Dialogue, Turn
from tests.conversations.honesty import Facts, HonestyChecker
from tests.conversations.quantities import spoken_numbers
from tests.conversations.refs import resolve_ref

LIST_TOOLS = ("search_products", "get_recommendations")


class DialogueFailed(AssertionError):
    """A turn did not go as the dialogue expects; the message holds the transcript so far."""


def load_products(catalog_path: Path) -> dict[str, Product]:
    conn = sqlite3.connect(catalog_path)
    conn.row_factory = sqlite3.Row
    try:
        return {row["id"]: Product.from_row(row) for row in conn.execute("select * from products")}
    finally:
        conn.close()


@dataclass
class Store:
    """One catalog as the suite sees it: its products, the checker, and words that belong to other stores."""

    name: str
    path: Path
    products: dict[str, Product]
    checker: HonestyChecker
    foreign_words: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, name: str, path: Path, foreign_words: list[str]) -> Store:
        products = load_products(path)
        own = " ".join(f"{p.brand} {p.name} {p.category} {p.description} {' '.join(p.tags)}"
                       for p in products.values()).lower()
        foreign = [w for w in foreign_words if w.lower() not in own]
        return cls(name, path, products, HonestyChecker(products), foreign)


@dataclass
class TurnRecord:
    label: str
    calls: list[dict[str, Any]]
    reply: str
    shown: list[str]
    cart: dict[str, int]
    new_list: bool = True
    heading: str = ""

    def render(self, store: Store) -> str:
        lines = [f"shopper: {self.label}"]
        for call in self.calls:
            result = call["result"]
            outcome = "ok" if result.get("ok") else f"FAILED {result.get('error', {}).get('code')}"
            if "products" in result:
                outcome += f", {len(result['products'])} products"
            params = json.dumps(call["parameters"], ensure_ascii=False, default=str)
            lines.append(f"    tool  {call['name']}({params}) -> {outcome}")
        if self.shown and self.new_list:
            names = [f"{_name(store, pid)} ${store.products[pid].price:g}" if pid in store.products else pid
                     for pid in self.shown[:8]]
            lines.append(f"    shown {len(self.shown)}{self.heading}: " + "; ".join(names))
        lines.append(f"aisle:   {self.reply}")
        if self.cart:
            lines.append("    cart  " + ", ".join(f"{q} x {_name(store, p)}" for p, q in self.cart.items()))
        return "\n".join(lines)


def _name(store: Store, pid: str) -> str:
    product = store.products.get(pid)
    if product is None:
        return pid
    return product.name if product.name.lower().startswith(product.brand.lower() + " ") else product.display_name


class DialogueRun:
    """The state of one dialogue being played: events, the list on screen, remembered products, the transcript."""

    def __init__(self, runtime: Runtime, store: Store, dialogue: Dialogue) -> None:
        self.runtime = runtime
        self.store = store
        self.dialogue = dialogue
        self.events: list[Event] = []
        self.shown: list[str] = []  # the list on screen
        self.last_list: list[str] = []  # the latest non-empty list, what "the second one" refers to
        self.remembered: dict[str, str] = {}
        self.budgets: set[float] = set()
        self.spoken = ""
        self.records: list[TurnRecord] = []
        self.focus: list[str] = []  # the products the latest turn that looked at products looked at ("it")

    def transcript(self) -> str:
        return "\n".join(record.render(self.store) for record in self.records)

    def fail(self, turn_no: int, problem: str) -> DialogueFailed:
        return DialogueFailed(
            f"\n[{self.dialogue.id}] turn {turn_no}: {problem}\n--- transcript so far ---\n{self.transcript()}\n")

    def cart_lines(self) -> list[tuple[str, int, float]]:
        """The cart as the last `context` event showed it; empty once the session ended after it (start over)."""
        latest = next((e for e in reversed(self.events)
                       if e.kind in (EventKind.CONTEXT, EventKind.SESSION_ENDED)), None)
        if latest is None or latest.kind is EventKind.SESSION_ENDED:
            return []
        items = latest.data["cart"]["items"]
        return [(i["product_id"], int(i["quantity"]), float(i["unit_price"])) for i in items]

    def cart(self) -> dict[str, int]:
        return {pid: quantity for pid, quantity, _ in self.cart_lines()}

    def cart_total(self) -> float:
        return round(sum(q * u for _, q, u in self.cart_lines()), 2)

    async def play(self) -> None:
        unsubscribe = self.runtime.bus.subscribe(self.events.append)
        try:
            for number, turn in enumerate(self.dialogue.turns, start=1):
                await self._turn(number, turn)
        finally:
            unsubscribe()
            await self.runtime.conversation.end_session("conversation suite: dialogue over")

    async def _act(self, number: int, turn: Turn) -> None:
        if turn.says is not None:
            self.spoken += " " + turn.says
            self.budgets |= spoken_numbers(turn.says)
            await self.runtime.conversation.submit_text(turn.says)
            return
        assert turn.taps is not None
        for action, ref in turn.taps.items():
            pid = resolve_ref(str(ref), self, self.last_list)
            product = self.store.products[pid]
            if action == "open":
                result = await self.runtime.conversation.touch(
                    "show_product_details", {"product_id": pid}, f"Details: {product.display_name}")
            elif action == "add":
                result = await self.runtime.conversation.touch(
                    "add_to_cart", {"product_id": pid, "quantity": 1}, f"Add to cart: {product.display_name}")
            else:
                raise self.fail(number, f"unknown tap '{action}' (open or add)")
            if not result.get("ok"):
                raise self.fail(number, f"the tap failed: {result}")

    async def _turn(self, number: int, turn: Turn) -> None:
        start = len(self.events)
        list_before = list(self.last_list)
        shown_before = list(self.shown)
        cart_before = self.cart()
        total_before = self.cart_total()
        lines_before = self.cart_lines()
        await self._act(number, turn)
        new = self.events[start:]
        if any(e.kind is EventKind.SESSION_ENDED for e in new):
            self.shown, self.last_list, self.focus = [], [], []  # started over: the screen is fresh
        calls = [e.data for e in new if e.kind is EventKind.FUNCTION_CALL]
        for call in calls:
            self.budgets |= set(_numbers_in(call.get("parameters")))
            result = call.get("result") or {}
            if call["name"] in LIST_TOOLS and result.get("ok"):
                self.shown = [p["id"] for p in result.get("products", [])]
                if self.shown:
                    self.last_list = list(self.shown)
        reply = self._reply(number, turn, new)
        titles = headings(calls)
        record = TurnRecord(turn.label, calls, reply, list(self.shown), self.cart(), self.shown != shown_before,
                            f" under the heading {titles[-1][0]!r}" if titles else "")
        self.records.append(record)
        errors = [e.data for e in new if e.kind is EventKind.ERROR]
        if errors:
            raise self.fail(number, f"error events: {errors}")
        if turn.says is not None:
            problems = self._honesty(reply, calls, total_before, lines_before)
            problems += hygiene(reply, self.store, self.spoken)
            if problems:
                raise self.fail(number, "the reply is not honest or not clean:\n  - " + "\n  - ".join(problems))
        for heading, products in headings(calls):
            facts = Facts(shown=products, budgets=self.budgets)
            problems = [str(c) for c in self.store.checker.check(heading, facts)]
            problems += hygiene(heading, self.store, self.spoken)
            if problems:
                raise self.fail(number, f"the list's heading {heading!r} is not honest or not clean:\n  - "
                                + "\n  - ".join(problems))
        context = expectations.TurnContext(
            run=self, calls=calls, reply=reply, list_before=list_before, shown_before=shown_before,
            shown_after=list(self.shown), new_list=any(c["name"] in LIST_TOOLS and (c.get("result") or {}).get("ok")
                                                       for c in calls),
            cart_before=cart_before, cart_after=self.cart(),
            turn_lists=[p["id"] for c in calls if c["name"] in LIST_TOOLS and (c.get("result") or {}).get("ok")
                        for p in c["result"].get("products", [])])
        for problem in expectations.check_turn(turn.expect, context):
            raise self.fail(number, problem)
        for key, ref in turn.remember.items():
            self.remembered[key] = resolve_ref(str(ref), self, self.last_list)

    def _reply(self, number: int, turn: Turn, new: list[Event]) -> str:
        done = [e for e in new if e.kind is EventKind.COMPLETION]
        if turn.says is None:
            return " ".join(str(e.data.get("text", "")) for e in done)
        if len(done) != 1:
            raise self.fail(number, f"expected exactly one completion, got {len(done)}")
        chunks = "".join(str(e.data["text"]) for e in new if e.kind is EventKind.TEXT_CHUNK)
        text = str(done[0].data.get("text", ""))
        if chunks != text:
            raise self.fail(number, f"the streamed chunks {chunks!r} do not add up to the completion {text!r}")
        return text

    def _honesty(self, reply: str, calls: list[dict[str, Any]], total_before: float,
                 lines_before: list[tuple[str, int, float]]) -> list[str]:
        focus: list[str] = []
        for call in calls:
            params = call.get("parameters") if isinstance(call.get("parameters"), dict) else {}
            result = call.get("result") or {}
            for pid in (params.get("product_id"), params.get("based_on"), (result.get("product") or {}).get("id")):
                if isinstance(pid, str) and pid in self.store.products:
                    focus.append(pid)
        if focus:
            self.focus = focus
        facts = Facts(
            shown=self.shown, focus=self.focus, cart_lines=self.cart_lines(),
            cart_totals=[total_before, self.cart_total()], budgets=self.budgets,
            extra_prices=[q * u for _, q, u in lines_before],
        )
        return [str(claim) for claim in self.store.checker.check(reply, facts)]


def headings(calls: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The heading each list this turn put on screen carries, with the ids it heads."""
    found = []
    for call in calls:
        result = call.get("result") or {}
        if call["name"] in LIST_TOOLS and result.get("ok") and result.get("heading"):
            found.append((str(result["heading"]), [p["id"] for p in result.get("products", [])]))
    return found


def _numbers_in(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers_in(v)]
    if isinstance(value, str):
        return [float(m) for m in re.findall(r"-?\d+(?:\.\d+)?", value)]
    return []


_DOUBLED = re.compile(r"\b((?:[\w'&-]+\s+){0,2}[\w'&-]+)\s+\1\b", re.I)
_EMPTY_SENTENCE = re.compile(r"[.!?,;:]\s+[.!?,;:]|\(\s*\)|^\s*[.!?,]")
_LEAKS = re.compile(r"\b(?:null|nan|undefined)\b|[{}\[\]]|\b[a-z]+_[a-z_]+\b")


def _repeated_words(blanked: str, run: int = 5) -> str:
    """A run of `run` words said twice in one reply ("out of stock right now. It's out of stock right now"); product
    names (blanked out as ###) count as different words each time, so naming a product twice is fine."""
    names = iter(range(10_000))
    text = re.sub(r"#+", lambda _: f" name{next(names)} ", blanked.lower())
    words = re.findall(r"[a-z0-9$']+", text)
    seen: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - run + 1):
        gram = tuple(words[i:i + run])
        if any(w.startswith("name") or any(c.isdigit() for c in w) for w in gram):
            continue  # "1.4 kg for the X, 1.4 kg for the Y" lists figures; it does not repeat itself
        if gram in seen and i - seen[gram] >= run:
            return " ".join(gram)
        seen.setdefault(gram, i)
    return ""


def hygiene(reply: str, store: Store, spoken: str) -> list[str]:
    """Replies a person would notice are broken: empty, doubled words, the same words said twice, empty sentences,
    leaked code values, and words of another store (a category or brand this catalog does not have, which the
    shopper did not say)."""
    problems = []
    if not reply.strip():
        problems.append("the reply is empty")
    for m in _DOUBLED.finditer(reply):
        if not m.group(1).isdigit():
            problems.append(f"doubled words: {m.group(0)!r}")
    if _EMPTY_SENTENCE.search(reply):
        problems.append(f"an empty sentence or stray punctuation: {_EMPTY_SENTENCE.search(reply).group(0)!r}")  # type: ignore[union-attr]
    repeated = _repeated_words(store.checker.named_in(reply)[1])
    if repeated:
        problems.append(f"says the same words twice: {repeated!r}")
    leak = _LEAKS.search(reply)
    if leak:
        problems.append(f"a value meant for code reached the shopper: {leak.group(0)!r}")
    said = spoken.lower()
    for word in store.foreign_words:
        if re.search(rf"\b{re.escape(word.lower())}\b", reply.lower()) and word.lower() not in said:
            problems.append(f"'{word}' belongs to another store's catalog, not this one")
    return problems
