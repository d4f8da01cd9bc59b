"""Keep the suite's `known_gap` marks true: play every dialogue and list (or, with --write, record in the dialogue
files) what Aisle does wrong in those that fail, and remove the mark from those that pass.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/conversations/gaps.py            # report only
    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/conversations/gaps.py --write    # edit the YAML files

The mark is one line under the dialogue's name: `known_gap: "..."` for a dialogue of one catalog, or
`known_gap: {demo: "...", bikes: "..."}` naming each catalog where it fails. A mark already written (perhaps in
better words by hand) is kept as long as the dialogue still fails there.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from app.catalog.build import build_catalog  # noqa: E402
from tests.conversations.bike_store import build_bike_catalog  # noqa: E402
from tests.conversations.dialogues import DIALOGUE_DIR, Dialogue, load_suite  # noqa: E402
from tests.conversations.runner import DialogueFailed, DialogueRun, Store  # noqa: E402
from tests.conversations.sessions import CatalogSession, _store_words  # noqa: E402


def what_went_wrong(dialogue: Dialogue, failure: str) -> str:
    """One line: the turn, what the shopper said, and the first problem found."""
    first = failure.strip().splitlines()[0]
    m = re.match(r"\[[^\]]*\] turn (\d+): (.*)", first)
    if not m:
        return first[:140]
    turn = dialogue.turns[int(m.group(1)) - 1]
    problem = m.group(2)
    if problem.startswith("the reply is not honest or not clean"):
        detail = failure.strip().splitlines()[1].strip(" -")
        problem = "not honest or not clean: " + detail
    problem = re.sub(r"\s+", " ", problem)
    return f'turn {m.group(1)} "{turn.label}": {problem}'[:160]


def play_all() -> dict[tuple[str, str], dict[str, str]]:
    """(file, dialogue name) -> {catalog: what went wrong} for every failing dialogue; passing ones map to {}."""
    results: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    with tempfile.TemporaryDirectory(prefix="aisle-gaps-") as tmp:
        demo = Path(tmp) / "demo.db"
        build_catalog(demo)
        paths = {"demo": demo, "bikes": build_bike_catalog(Path(tmp) / "bikes")}
        sessions: dict[str, CatalogSession] = {}
        for dialogue in load_suite():
            if dialogue.catalog not in sessions:
                foreign = _store_words(paths["bikes" if dialogue.catalog == "demo" else "demo"])
                store = Store.open(dialogue.catalog, paths[dialogue.catalog], foreign)
                sessions[dialogue.catalog] = CatalogSession(store, Path(tmp) / f"data-{dialogue.catalog}")
            session = sessions[dialogue.catalog]
            key = (dialogue.file, dialogue.name)
            results.setdefault(key, {})
            try:
                session.loop.run_until_complete(DialogueRun(session.runtime, session.store, dialogue).play())
            except DialogueFailed as exc:
                results[key][dialogue.catalog] = what_went_wrong(dialogue, str(exc))
        for session in sessions.values():
            session.close()
    return results


def rewrite(path: Path, marks: dict[str, dict[str, str]], catalogs_of: dict[str, list[str]]) -> None:
    """Set (or clear) each dialogue's known_gap line in one file, leaving everything else as written."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        m = re.match(r"^(\s*)- name:\s*(.+?)\s*$", line)
        i += 1
        if not m:
            continue
        name = m.group(2).strip("\"'")
        kept: dict[str, str] = {}
        while i < len(lines) and re.match(r"^\s*known_gap:", lines[i]):
            old = yaml.safe_load(lines[i].strip())["known_gap"]  # a hand-written line is kept while it still fails
            kept = dict(old) if isinstance(old, dict) else {c: str(old) for c in catalogs_of.get(name, [])}
            i += 1
        failing = {c: kept.get(c, text) for c, text in marks.get(name, {}).items()}
        if failing:
            indent = m.group(1) + "  "
            if len(catalogs_of[name]) == 1:
                value = json.dumps(next(iter(failing.values())), ensure_ascii=False)
            else:
                value = "{" + ", ".join(f"{c}: {json.dumps(t, ensure_ascii=False)}" for c, t in failing.items()) + "}"
            out.append(f"{indent}known_gap: {value}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    results = play_all()
    catalogs_of: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for d in load_suite():
        catalogs_of[d.file][d.name].append(d.catalog)
    failing = {k: v for k, v in results.items() if v}
    for (file, name), wrong in sorted(failing.items()):
        for catalog, text in wrong.items():
            print(f"{catalog}:{file}:{name}\n    {text}")
    runs = sum(len(v) for f in catalogs_of.values() for v in f.values())
    print(f"{sum(len(v) for v in failing.values())} of {runs} runs fail")
    if "--write" in argv:
        for path in sorted(DIALOGUE_DIR.glob("*.yaml")):
            marks = {name: wrong for (file, name), wrong in results.items() if file == path.stem}
            rewrite(path, marks, catalogs_of[path.stem])
        print("known_gap marks written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
