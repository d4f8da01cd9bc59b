"""`find_passages`: a shopper's question about one product answered from that product's own specs, manual
(Markdown or PDF, with spec tables) and description — the best passage first, nothing from another product, and
nothing at all when the data does not answer."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest
from store_export import make_export

from app.catalog.importer import import_catalog
from app.catalog.passages import Passage, find_passages
from app.catalog.store import Catalog

TWENTY_QUESTIONS = [
    ("RS-TENT-4", "What is the capacity of the Basecamp 4?", "manual", "Capacity: 4 persons"),
    ("RS-TENT-4", "How many people fit inside?", "manual", "Capacity: 4 persons"),
    ("RS-TENT-4", "What's the shell fabric?", "manual", "Shell fabric: 75D polyester taffeta"),
    ("RS-TENT-4", "Which seasons is it for?", "manual", "3-season"),
    ("RS-TENT-4", "Can I use it in January?", "manual", "in January use a"),
    ("RS-TENT-4", "What's the warranty?", "manual", "5-year warranty"),
    ("RS-TENT-4", "How do I set it up?", "manual", "Lay the inner tent flat"),
    ("RS-TENT-4", "How much does it weigh?", "manual", "Packed weight: 6.2 kg"),
    ("RS-TENT-4", "What are the poles made of?", "manual", "Poles: 8.5 mm aluminium"),
    ("RS-TENT-4", "How do I clean it?", "manual", "Never machine-wash"),
    ("RS-TENT-4", "Is the floor waterproof?", "manual", "Floor: 150D Oxford polyester"),
    ("RS-TENT-4", "How long does it take to set up?", "manual", "about 12 minutes"),
    ("RS-STOVE-1", "What fuel does it use?", "manual", "Fuel: butane/propane cartridge"),
    ("RS-STOVE-1", "How fast does it boil water?", "manual", "Boil time: 3.5 minutes"),
    ("RS-STOVE-1", "What's the warranty on the stove?", "manual", "2-year warranty"),
    ("RS-STOVE-1", "Can I use it inside my tent?", "manual", "Never use the stove inside a tent"),
    ("RS-STOVE-1", "How do I light it?", "manual", "press the piezo igniter"),
    ("RS-STOVE-1", "What material is it made of?", "manual", "Material: stainless steel"),
    ("RS-STOVE-1", "How powerful is it?", "manual", "Output: 3000 W"),
    ("RS-STOVE-1", "How much does it weigh?", "manual", "Weight: 310 g"),
]


@pytest.fixture(scope="module")
def store_catalog(tmp_path_factory: pytest.TempPathFactory, demo_catalog_path: Path) -> Catalog:
    folder = tmp_path_factory.mktemp("store")
    target = folder / "catalog.db"
    target.write_bytes(demo_catalog_path.read_bytes())
    import_catalog(make_export(folder / "export").json_file, target)
    return Catalog(target)


@pytest.mark.parametrize(("pid", "question", "source", "answer"), TWENTY_QUESTIONS)
def test_twenty_product_questions_are_answered_from_the_manual(store_catalog: Catalog, pid: str, question: str,
                                                               source: str, answer: str) -> None:
    found = find_passages(store_catalog, pid, question)
    assert found, f"nothing found for {question!r}"
    best = found[0]
    assert isinstance(best, Passage) and best.product_id == pid
    assert best.source == source and answer in best.text, found
    assert all(a.score >= b.score for a, b in itertools.pairwise(found)), "best first"
    assert len(found) <= 3


def test_a_spec_table_line_is_its_own_passage_with_its_section(store_catalog: Catalog) -> None:
    best = find_passages(store_catalog, "RS-TENT-4", "what's the capacity?")[0]
    assert (best.source, best.section, best.text) == ("manual", "Specifications", "Capacity: 4 persons.")
    pdf = find_passages(store_catalog, "RS-STOVE-1", "what's the warranty?")[0]
    assert (pdf.section, pdf.text) == ("WARRANTY", "The PowerBurner is covered by a 2-year warranty.")


def test_specs_and_description_of_a_product_without_a_manual(store_catalog: Catalog) -> None:
    mat = find_passages(store_catalog, "RS-MAT-2", "how thick is it?")
    assert mat and mat[0].source == "description" and "5 cm thick" in mat[0].text
    tent = find_passages(store_catalog, "TNT-1001", "how many people fit in it?")
    assert tent[0].source == "specs" and tent[0].text == "Capacity (persons): 2"


def test_nothing_is_found_when_the_data_does_not_say(store_catalog: Catalog) -> None:
    assert find_passages(store_catalog, "RS-TENT-4", "is it available in purple?") == []
    assert find_passages(store_catalog, "RS-TENT-4", "what is it?") == []  # no word left to look for
    assert find_passages(store_catalog, "NO-SUCH-1", "warranty?") == []
    assert find_passages(store_catalog, "TNT-1001", "what's the warranty?") == [], "another product's manual"


def test_a_catalog_without_a_passage_index_is_ranked_in_memory(catalog_copy: Path) -> None:
    conn = sqlite3.connect(catalog_copy)
    conn.executescript("drop table passages_fts; drop table passages;")
    conn.close()
    found = find_passages(Catalog(catalog_copy), "TNT-1001", "how many people fit?")
    assert found and found[0].source == "specs" and found[0].text == "Capacity (persons): 2"
