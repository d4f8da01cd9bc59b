"""The size rule of the style guide, checked on the product code: no file over 400 lines, no function over 60.

Long files and long functions are where several jobs hide; the rule makes a new one visible in CI instead of in a
review months later. A file counts every line; a function counts from its `def` line to its last line (decorators
and the body of nested functions included, and every nested function is measured on its own too).

The allowlist below names the exceptions that exist today and who is shrinking them. An entry must still be over
the limit: when a file or function is brought under it, the last test fails until the entry is removed, so the list
only ever shrinks. The checker is a plain function over source text, so a test shows it catching a violation.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRODUCT = ("app", "agent", "audio", "ui")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60

# Exceptions to the rule, each with the reason it cannot be split yet (none today). Files are keyed by path,
# functions by path::qualified name; an entry that is back within the limits fails the next test.
ALLOWED_OVER_LIMIT: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Oversize:
    key: str  # "path" for a file, "path::qualified.name" for a function
    lines: int
    limit: int

    def __str__(self) -> str:
        return f"{self.key}: {self.lines} lines (limit {self.limit})"


def oversized(path: str, source: str) -> list[Oversize]:
    """Every way `source` (the text of the file at `path`) breaks the size rule."""
    found: list[Oversize] = []
    file_lines = len(source.splitlines())
    if file_lines > MAX_FILE_LINES:
        found.append(Oversize(path, file_lines, MAX_FILE_LINES))

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                lines = (child.end_lineno or child.lineno) - first + 1
                if lines > MAX_FUNCTION_LINES:
                    found.append(Oversize(f"{path}::{name}", lines, MAX_FUNCTION_LINES))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def product_oversizes() -> list[Oversize]:
    found: list[Oversize] = []
    for layer in PRODUCT:
        for file in sorted((REPO / layer).rglob("*.py")):
            found += oversized(file.relative_to(REPO).as_posix(), file.read_text(encoding="utf-8"))
    return found


def test_no_product_file_or_function_is_over_the_limit() -> None:
    new = [str(o) for o in product_oversizes() if o.key not in ALLOWED_OVER_LIMIT]
    assert not new, "split these along their seams (one job per module / function):\n" + "\n".join(new)


def test_every_allowlisted_exception_is_still_over_the_limit() -> None:
    current = {o.key for o in product_oversizes()}
    stale = sorted(ALLOWED_OVER_LIMIT - current)
    assert not stale, f"these are within the limits now: remove them from ALLOWED_OVER_LIMIT: {stale}"


def test_the_checker_catches_a_long_file_and_a_long_method() -> None:
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    source = f'"""A module."""\n\n\nclass Shop:\n    @staticmethod\n    def checkout() -> None:\n{body}\n'
    source += "\n" * (MAX_FILE_LINES - len(source.splitlines()) + 1)
    found = {o.key: o.lines for o in oversized("app/shop.py", source)}
    assert found == {"app/shop.py": MAX_FILE_LINES + 1, "app/shop.py::Shop.checkout": MAX_FUNCTION_LINES + 2}


def test_the_checker_accepts_code_at_the_limits() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES - 1))
    source = f"def checkout() -> None:\n{body}\n"
    source += "\n" * (MAX_FILE_LINES - len(source.splitlines()))
    assert len(source.splitlines()) == MAX_FILE_LINES
    assert oversized("app/shop.py", source) == []
