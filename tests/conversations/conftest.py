"""Fixtures for the conversation suite, and its summary line per catalog at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conversations.sessions import RESULTS, Catalogs


@pytest.fixture(scope="session")
def conversation_catalogs(demo_catalog_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalogs]:
    catalogs = Catalogs(demo_catalog_path, tmp_path_factory)
    yield catalogs
    catalogs.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for catalog, counts in sorted(RESULTS.items()):
        total = sum(counts.values())
        line = (f"conversation suite: {total} dialogues, {counts['pass']} pass, {counts['known_gap']} known gaps "
                f"({catalog} catalog)")
        if counts["fail"] or counts["gap_passed"]:
            line += f"; {counts['fail']} FAIL, {counts['gap_passed']} known gaps that now pass"
        terminalreporter.write_line(line)
