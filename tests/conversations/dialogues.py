"""Reading the conversation suite's YAML files into dialogues, one per catalog they run on.

A file holds one topic:

    topic: Follow-ups build on the list on screen
    dialogues:
      - name: tents, then the cheap ones
        words:                       # the catalogs it runs on, and the words it uses in each
          demo:  {things: tents, cat: tents}
          bikes: {things: helmets, cat: helmets}
        turns:
          - says: um do you have {things}
            shows: {every: {category: "{cat}"}, at_least: 2}
          - says: ok which of those are under 80
            shows: {every: {category: "{cat}", price_at_most: 80}}

`{word}` is replaced by that catalog's word. A dialogue without `words` runs on the catalogs in `catalogs`
(default: the demo store). `known_gap: "what Aisle does wrong"` (or one per catalog) marks a dialogue that is known
to fail: it still runs, and the suite fails when it starts passing. Every turn key is checked when the file is
read, so a misspelt expectation is an error rather than a check that never runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DIALOGUE_DIR = HERE / "dialogues"
CATALOGS = ("demo", "bikes")
TURN_KEYS = {
    "says", "taps", "calls", "no_calls", "shows", "cart", "cart_has", "cart_lacks", "cart_count", "mentions",
    "not_mentions", "says_price_of", "reply_has", "reply_lacks", "heading_has", "asks", "gives_figure", "remember",
    "note",
}
DIALOGUE_KEYS = {"name", "words", "catalogs", "turns", "known_gap", "note"}


class SuiteError(ValueError):
    """A dialogue file that cannot be read as written."""


@dataclass
class Turn:
    says: str | None
    taps: dict[str, str] | None
    expect: dict[str, Any]
    remember: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.says is not None:
            return self.says
        assert self.taps is not None
        return "(taps) " + ", ".join(f"{k} {v}" for k, v in self.taps.items())


@dataclass
class Dialogue:
    topic: str
    file: str
    name: str
    catalog: str
    turns: list[Turn]
    known_gap: str | None = None

    @property
    def id(self) -> str:
        return f"{self.catalog}:{self.file}:{self.name}"


def _fill(value: Any, words: dict[str, Any], where: str) -> Any:
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in words:
                raise SuiteError(f"{where}: no word '{m.group(1)}' for this catalog")
            return str(words[m.group(1)])
        return re.sub(r"\{(\w+)\}", sub, value)
    if isinstance(value, list):
        return [_fill(v, words, where) for v in value]
    if isinstance(value, dict):
        return {_fill(k, words, where): _fill(v, words, where) for k, v in value.items()}
    return value


def _turn(raw: Any, words: dict[str, Any], where: str) -> Turn:
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: a turn must be a mapping with 'says' (or 'taps') and expectations")
    unknown = set(raw) - TURN_KEYS
    if unknown:
        raise SuiteError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(TURN_KEYS)}")
    if ("says" in raw) == ("taps" in raw):
        raise SuiteError(f"{where}: a turn has exactly one of 'says' or 'taps'")
    if "says" in raw and not isinstance(raw["says"], str):
        raise SuiteError(f"{where}: says: {raw['says']!r} is not text; put the shopper's words in quotes "
                         "(YAML reads a bare yes/no as true/false)")
    filled = _fill(raw, words, where)
    expect = {k: v for k, v in filled.items() if k not in ("says", "taps", "remember", "note")}
    says = filled.get("says")
    return Turn(says=None if says is None else str(says), taps=filled.get("taps"), expect=expect,
                remember=dict(filled.get("remember") or {}))


def load_file(path: Path) -> list[Dialogue]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "dialogues" not in data:
        raise SuiteError(f"{path.name}: expected 'topic' and 'dialogues'")
    topic = str(data.get("topic", path.stem))
    found: list[Dialogue] = []
    names: set[str] = set()
    for index, raw in enumerate(data["dialogues"], start=1):
        where = f"{path.name} dialogue {index}"
        if not isinstance(raw, dict) or "name" not in raw or "turns" not in raw:
            raise SuiteError(f"{where}: a dialogue needs 'name' and 'turns'")
        unknown = set(raw) - DIALOGUE_KEYS
        if unknown:
            raise SuiteError(f"{where}: unknown key(s) {sorted(unknown)}")
        name = str(raw["name"])
        if name in names:
            raise SuiteError(f"{where}: the name '{name}' repeats in {path.name}")
        names.add(name)
        words_by_catalog: dict[str, dict[str, Any]] = raw.get("words") or {}
        catalogs = list(words_by_catalog) if words_by_catalog else list(raw.get("catalogs") or ["demo"])
        for catalog in catalogs:
            if catalog not in CATALOGS:
                raise SuiteError(f"{where}: unknown catalog '{catalog}' (known: {', '.join(CATALOGS)})")
            words = words_by_catalog.get(catalog, {})
            turns = [_turn(t, words, f"{where} ({name}) turn {i}") for i, t in enumerate(raw["turns"], start=1)]
            gap = raw.get("known_gap")
            if isinstance(gap, dict):
                gap = gap.get(catalog)
            found.append(Dialogue(topic, path.stem, name, catalog, turns, str(gap) if gap else None))
    return found


def load_suite(directory: Path = DIALOGUE_DIR) -> list[Dialogue]:
    dialogues: list[Dialogue] = []
    for path in sorted(directory.glob("*.yaml")):
        dialogues += load_file(path)
    return dialogues
