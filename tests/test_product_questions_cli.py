"""A store's export with manuals, imported through the CLI, then asked about through `aisle chat --json`: the offline
brain answers from the store's own words (the manual's section, quoted) and never guesses when they are silent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.store_export import make_export

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "AISLE_NO_KEYRING": "1", "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
QUESTIONS = [
    ("show me the basecamp family tent", "Basecamp 4 Family Tent"),
    ("what is the capacity of the basecamp 4?", "Capacity: 4 persons"),
    ("how many people fit inside?", "Capacity: 4 persons"),
    ("whats the shell fabric?", "75D polyester taffeta"),
    ("what is the warranty?", "5-year warranty"),
    ("how do I set it up?", "Lay the inner tent flat"),
    ("can I use it in January?", "not designed for snow loads"),
    ("how much does it weigh?", "6.2 kg"),
    ("what are the poles made of?", "8.5 mm aluminium"),
    ("is it waterproof?", "don't say"),
    ("what about the powerburner stove", "PowerBurner Camping Stove"),
    ("how powerful is it?", "3000 W"),
    ("what fuel does it use?", "butane/propane"),
    ("can I use it inside my tent?", "Never use the stove inside a tent"),  # "my tent" is where, not which product
    ("how do I light it?", "piezo igniter"),
    ("whats the warranty on the stove?", "2-year warranty"),
]


def _chat(catalog: Path, data: Path, lines: list[str]) -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "app.compose.cli", "chat", "--json", "--catalog", str(catalog),
                           "--data-dir", str(data)], input="\n".join(lines) + "\n", capture_output=True, text=True,
                          timeout=180, cwd=REPO, env=ENV)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_questions_about_an_imported_product_are_answered_from_its_manual(demo_catalog_path: Path,
                                                                          tmp_path: Path) -> None:
    export = make_export(tmp_path / "export")
    catalog = tmp_path / "catalog.db"
    shutil.copy(demo_catalog_path, catalog)
    imported = subprocess.run([sys.executable, "-m", "app.compose.cli", "catalog", "import", str(export.json_file),
                               "--replace", "--catalog", str(catalog), "--data-dir", str(tmp_path / "data")],
                              capture_output=True, text=True, timeout=180, cwd=REPO, env=ENV)
    assert imported.returncode == 0, imported.stderr
    events = _chat(catalog, tmp_path / "chat", [question for question, _ in QUESTIONS])
    replies = [str(e["data"]["text"]) for e in events if e["event"] == "completion"]  # type: ignore[index]
    assert len(replies) == len(QUESTIONS)
    for (question, expected), reply in zip(QUESTIONS, replies, strict=True):
        assert expected in reply, f"{question!r} -> {reply!r}"
    info = [e["data"] for e in events if e["event"] == "function_call"
            and e["data"]["name"] == "get_product_info"]  # type: ignore[index]
    assert len(info) >= 6, "the answers come through the product-info tool, as a cloud brain's would"
