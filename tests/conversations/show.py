"""Print the transcripts of chosen dialogues as they come out now, with what failed, if anything.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/conversations/show.py "demo:honesty" "bikes:cart_edits:make it"

Each argument picks dialogues whose id (catalog:topic:name) contains it; with none, every dialogue is shown.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from app.catalog.build import build_catalog  # noqa: E402
from tests.conversations.bike_store import build_bike_catalog  # noqa: E402
from tests.conversations.dialogues import load_suite  # noqa: E402
from tests.conversations.runner import DialogueFailed, DialogueRun, Store  # noqa: E402
from tests.conversations.sessions import CatalogSession, _store_words  # noqa: E402


def main(patterns: list[str]) -> int:
    chosen = [d for d in load_suite() if not patterns or any(p in d.id for p in patterns)]
    with tempfile.TemporaryDirectory(prefix="aisle-dialogues-") as tmp:
        demo = Path(tmp) / "demo.db"
        build_catalog(demo)
        paths = {"demo": demo, "bikes": build_bike_catalog(Path(tmp) / "bikes")}
        sessions: dict[str, CatalogSession] = {}
        for dialogue in chosen:
            if dialogue.catalog not in sessions:
                foreign = _store_words(paths["bikes" if dialogue.catalog == "demo" else "demo"])
                store = Store.open(dialogue.catalog, paths[dialogue.catalog], foreign)
                sessions[dialogue.catalog] = CatalogSession(store, Path(tmp) / f"data-{dialogue.catalog}")
            session = sessions[dialogue.catalog]
            run = DialogueRun(session.runtime, session.store, dialogue)
            problem = ""
            try:
                session.loop.run_until_complete(run.play())
            except DialogueFailed as exc:
                problem = str(exc).strip().splitlines()[0]
            print(f"=== {dialogue.id}" + (f"   (known gap: {dialogue.known_gap})" if dialogue.known_gap else ""))
            print(run.transcript())
            print(f"--> {'FAILED ' + problem if problem else 'passed'}\n")
        for session in sessions.values():
            session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
