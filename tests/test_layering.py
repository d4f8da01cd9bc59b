"""The layering the README states, checked on every import in the product code: `ui → app ← agent, audio`.

- `app/` (the core) imports no other layer, except the composition root, which builds and wires everything;
- `agent/` and `audio/` import only the core, never each other or `ui/`;
- `ui/` imports only the core;
- audio knows no brain: it reaches the conversation through the core's ports, never the runtime or the brain set-up.

Imports inside functions count too (a lazy import is still an arrow). The checker is a plain function over source
text, so the last test shows it failing on purpose.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LAYERS = ("app", "agent", "audio", "ui")
# which other layers each layer may import
ALLOWED: dict[str, frozenset[str]] = {
    "app": frozenset(),
    "agent": frozenset({"app"}),
    "audio": frozenset({"app"}),
    "ui": frozenset({"app"}),
}
# the one place that may import every layer: it builds the runtime, the brains, voice and the server
COMPOSITION_ROOT = ("app/compose/",)
# core modules a layer must not reach even though it may import the core
FORBIDDEN_CORE_MODULES: dict[str, tuple[str, ...]] = {
    "audio": ("app.compose", "app.fallback", "app.brains", "app.runtime"),
    "agent": ("app.compose", "app.server"),
    "ui": ("app.compose.brains",),
}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.imported}: {self.why}"


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every absolute module a source file imports, with its line (relative imports stay in their package)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def check_file(relative_path: str, source: str) -> list[Violation]:
    layer = relative_path.split("/", 1)[0]
    if layer not in LAYERS or relative_path.startswith(COMPOSITION_ROOT):
        return []
    violations = []
    for line, module in imported_modules(source):
        target = module.split(".", 1)[0]
        if target in LAYERS and target != layer and target not in ALLOWED[layer]:
            violations.append(Violation(relative_path, line, module, f"{layer}/ must not import {target}/"))
        for forbidden in FORBIDDEN_CORE_MODULES.get(layer, ()):
            if module == forbidden or module.startswith(forbidden + "."):
                violations.append(Violation(relative_path, line, module, f"{layer}/ must not reach {forbidden}"))
    return violations


def product_files() -> list[Path]:
    return sorted(p for layer in LAYERS for p in (REPO / layer).rglob("*.py"))


def test_every_import_follows_the_layering() -> None:
    violations = [v for path in product_files()
                  for v in check_file(path.relative_to(REPO).as_posix(), path.read_text(encoding="utf-8"))]
    assert not violations, "layering broken:\n" + "\n".join(map(str, violations))


@pytest.mark.parametrize(("path", "source", "arrow"), [
    ("app/catalog/store.py", "from agent.tools import ToolBox\n", "app/ must not import agent/"),
    ("app/server/api.py", "def f():\n    import ui.widgets\n", "app/ must not import ui/"),
    ("agent/offline/agent.py", "from audio.synthesizer import SentenceSplitter\n", "agent/ must not import audio/"),
    ("audio/service.py", "from app.runtime import Runtime\n", "audio/ must not reach app.runtime"),
    ("audio/voice_loop.py", "from app.fallback import active_brain\n", "audio/ must not reach app.fallback"),
    ("ui/main_window.py", "import audio.devices\n", "ui/ must not import audio/"),
])
def test_the_checker_catches_a_forbidden_arrow(path: str, source: str, arrow: str) -> None:
    violations = check_file(path, source)
    assert [v.why for v in violations] == [arrow]


def test_the_composition_root_and_allowed_arrows_pass() -> None:
    assert check_file("app/compose/root.py", "from agent.tools import ToolBox\nfrom audio.service import V\n") == []
    assert check_file("ui/bridge.py", "from app.events import Event\n") == []
    assert check_file("audio/voice_loop.py", "from app.conversation import Conversation\nimport numpy\n") == []
