"""Every dialogue of the conversation suite, on the demo store and on the imported cycling shop.

One case per dialogue and catalog (`demo:follow_ups:lowest price at the top`). A dialogue marked `known_gap` still
runs: it is reported as an expected failure while it fails, and the suite FAILS when it starts passing, so the list
of gaps cannot go stale.
"""

from __future__ import annotations

import pytest

from tests.conversations.dialogues import Dialogue, load_suite
from tests.conversations.sessions import Catalogs, judge, record

SUITE = load_suite()


@pytest.mark.parametrize("dialogue", SUITE, ids=[d.id for d in SUITE])
def test_dialogue(dialogue: Dialogue, conversation_catalogs: Catalogs) -> None:
    outcome, message = judge(conversation_catalogs.get(dialogue.catalog), dialogue)
    record(dialogue.catalog, outcome)
    if outcome == "known_gap":
        pytest.xfail(f"known gap: {dialogue.known_gap}")
    if outcome != "pass":
        pytest.fail(message, pytrace=False)


def test_the_suite_is_big_enough_and_covers_both_catalogs() -> None:
    assert {d.catalog for d in SUITE} == {"demo", "bikes"}
    assert len({(d.file, d.name) for d in SUITE}) >= 200, "the issue asks for at least 200 dialogues"
    topics = {d.file for d in SUITE}
    assert len(topics) >= 11, f"one file per topic of the issue's eleven points, got {sorted(topics)}"
