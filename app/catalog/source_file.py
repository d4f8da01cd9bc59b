"""Reads a store's export (CSV or JSON) into raw rows, each with the row number a spreadsheet shows.

The encoding is detected (UTF-8 with or without a BOM, UTF-16 with or without a BOM, else Latin-1/Windows-1252 with
a warning); quoted CSV fields keep their line breaks; an oversized field is reported with its row and column instead
of a traceback. Nothing here judges the values: that is `app.catalog.validate`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# a field longer than this is refused (the csv module's own limit, 128 KB, would raise mid-file)
MAX_FIELD_CHARS = 100_000
_CSV_READ_LIMIT = 64 * 1024 * 1024


class ImportFailed(ValueError):
    """The file cannot be imported; `problems` lists every row and field at fault."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    def report(self) -> str:
        lines = [str(self)] + [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  … and {len(self.problems) - 50} more")
        return "\n".join(lines)


@dataclass
class SourceRow:
    """One product's raw values; `label` says where it is ("row 7" as a spreadsheet numbers it, header = row 1)."""

    label: str
    values: dict[str, Any]


@dataclass
class SourceFile:
    rows: list[SourceRow]
    columns: list[str]
    encoding: str
    warnings: list[str] = field(default_factory=list)


def _looks_binary(raw: bytes) -> bool:
    head = raw[:4096]
    return head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"GIF8")) or b"\x00" in head


def decode(raw: bytes, name: str) -> tuple[str, str, list[str]]:
    """The text of a file, the encoding used, and a warning when the encoding was a guess."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig", []
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            raise ImportFailed(f"{name} starts like UTF-16 text but cannot be read as it ({exc.reason}).") from exc
    head = raw[:4096]
    # UTF-16 without a BOM: ASCII text has a zero byte in every other position
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and head[0::2].count(0) == 0:
        return raw.decode("utf-16-le", errors="strict"), "utf-16-le", []
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4 and head[1::2].count(0) == 0:
        return raw.decode("utf-16-be", errors="strict"), "utf-16-be", []
    if _looks_binary(raw):
        raise ImportFailed(f"{name} is not a text file (a CSV or JSON export was expected).")
    try:
        return raw.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    text = raw.decode("cp1252", errors="replace") if _cp1252_ok(raw) else raw.decode("latin-1")
    return text, "windows-1252", [
        f"{name} is not UTF-8; it was read as Latin-1 (Windows-1252). Check accented letters in names, "
        "or export the file as UTF-8."
    ]


def _cp1252_ok(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def read_source(path: Path) -> SourceFile:
    """The raw rows of a CSV or JSON file, or ImportFailed in words a person can act on."""
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist.")
    raw = path.read_bytes()
    if not raw.strip():
        raise ImportFailed(f"{path.name} is empty: there is nothing to import.")
    text, encoding, warnings = decode(raw, path.name)
    if not text.strip():
        raise ImportFailed(f"{path.name} is empty: there is nothing to import.")
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in "[{":
        rows = _json_rows(text, path.name)
    else:
        rows = _csv_rows(text, path.name)
    columns = list(dict.fromkeys(k for row in rows for k in row.values if not k.startswith("\0")))
    return SourceFile(rows, columns, encoding, warnings)


def _json_rows(text: str, name: str) -> list[SourceRow]:
    try:
        data = json.loads(text)  # NaN/Infinity load as floats; the validator refuses them by row
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}.") from exc
    if isinstance(data, dict):
        data = data.get("products", data)
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ImportFailed(f"{name} must hold a list of product objects (or {{\"products\": [...]}}).")
    if not data:
        raise ImportFailed(f"{name} holds no products.")
    rows = []
    for index, item in enumerate(data, start=1):
        values = {str(k).strip().lower(): v for k, v in item.items()}
        rows.append(SourceRow(f"product {index}", values))
    return rows


def _csv_rows(text: str, name: str) -> list[SourceRow]:
    previous = csv.field_size_limit()
    csv.field_size_limit(_CSV_READ_LIMIT)
    try:
        sample = text[:8192]
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        if dialect.delimiter not in ",;\t|":
            dialect = csv.excel
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        try:
            header = next(reader)
        except StopIteration as exc:
            raise ImportFailed(f"{name} is empty: there is nothing to import.") from exc
        except csv.Error as exc:
            raise ImportFailed(f"{name}, row 1 (the header) cannot be read: {exc}.") from exc
        columns = [h.strip().lstrip("\ufeff").lower() for h in header]
        rows: list[SourceRow] = []
        spreadsheet_row = 1
        while True:
            start_line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise ImportFailed(
                    f"{name} was not imported: row {spreadsheet_row + 1} (line {start_line}) cannot be read "
                    f"({exc}). Nothing was changed."
                ) from exc
            spreadsheet_row += 1
            if not any(c.strip() for c in cells):
                continue  # a blank line: a spreadsheet shows it as an empty row and so do we
            label = f"row {spreadsheet_row}"
            if start_line != spreadsheet_row:
                label += f" (line {start_line})"
            values: dict[str, Any] = {}
            for column, cell in zip(columns, cells, strict=False):
                if column:
                    values[column] = cell
            if len(cells) > len(columns):
                values["\0extra"] = cells[len(columns):]
            rows.append(SourceRow(label, values))
    finally:
        csv.field_size_limit(previous)
    if not rows:
        raise ImportFailed(f"{name} has a header but no products.")
    return rows
