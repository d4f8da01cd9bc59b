"""Every dialogue of the conversation suite, on the demo store and on the imported cycling shop.

One case per dialogue and catalog (`demo:follow_ups:tents, then the cheap ones`). A dialogue marked `known_gap`
still runs: it is reported as an expected failure while it fails, and the suite FAILS when it starts passing, so the
list of gaps cannot go stale.
"""

from __future__ import annotations

import pytest

from tests.conversations.dialogues import load_suite
from tests.conversations.sessions import Catalogs, record

SUITE = load_suite()


@pytest.mark.parametrize("dialogue", SUITE, ids=[d.id for d in SUITE])
def test_dialogue(dialogue, conversation_catalogs: Catalogs) -> None:  # type: ignore[no-untyped-def]
    session = conversation_catalogs.get(dialogue.catalog)
    try:
        session.play(dialogue)
    except AssertionError:
        if dialogue.known_gap:
            record(dialogue.catalog, "known_gap")
            pytest.xfail(f"known gap: {dialogue.known_gap}")
        record(dialogue.catalog, "fail")
        raise
    if dialogue.known_gap:
        record(dialogue.catalog, "gap_passed")
        pytest.fail(f"[{dialogue.id}] passes now: remove its known_gap ({dialogue.known_gap!r}) from the data")
    record(dialogue.catalog, "pass")


def test_the_suite_is_big_enough_and_covers_both_catalogs() -> None:
    catalogs = {d.catalog for d in SUITE}
    assert catalogs == {"demo", "bikes"}
    assert len({(d.file, d.name) for d in SUITE}) >= 200, "the issue asks for at least 200 dialogues"
