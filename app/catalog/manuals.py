"""A product manual or spec sheet (Markdown, plain text, or a PDF's text layer) split into titled sections.

Markdown sections follow its headings, and a table row becomes "Column: value" lines so "Capacity | 4 persons" reads
as a fact; plain text and PDF text are split at lines that look like headings (short, no final full stop, followed
by text: "SETUP", "2. Pitching the tent", "Warranty", or a line underlined with === or ---). Long sections are cut
into passages of a few sentences so an answer quotes the relevant part, not the whole manual.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

log = logging.getLogger("aisle.app.catalog")

MAX_PASSAGE_CHARS = 600
MAX_MANUAL_CHARS = 400_000
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_NUMBERED_HEADING = re.compile(r"^(\d+(\.\d+)*\.?|[IVX]+\.)\s+\S")


class ManualUnreadable(Exception):
    """The file is not a manual Aisle can read; the message says why."""


@dataclass(frozen=True)
class Section:
    title: str
    text: str


def manual_text(name: str, data: bytes) -> tuple[str, bool]:
    """The text of a manual file and whether it is Markdown."""
    lower = name.lower()
    if data[:5] == b"%PDF-" or lower.endswith(".pdf"):
        return _pdf_text(data), False
    for encoding in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text[:2000]:
        raise ManualUnreadable("it is not text, Markdown or PDF")
    markdown = lower.endswith((".md", ".markdown")) or bool(re.search(r"^#{1,6} ", text, re.MULTILINE))
    return text[:MAX_MANUAL_CHARS], markdown


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ManualUnreadable(f"the PDF cannot be read ({exc})") from exc
    text = "\n\n".join(pages).strip()
    if not text:
        raise ManualUnreadable("the PDF has no text layer (a scan?)")
    return text[:MAX_MANUAL_CHARS]


def sections(name: str, data: bytes) -> list[Section]:
    """The manual's sections, each cut into passages of at most `MAX_PASSAGE_CHARS`."""
    text, markdown = manual_text(name, data)
    raw = _markdown_sections(text) if markdown else _text_sections(text)
    out: list[Section] = []
    for section in raw:
        for chunk in _chunks(section.text):
            out.append(Section(section.title, chunk))
    return out


def _table_line(line: str, header: list[str]) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) == 2:  # a spec table: "Capacity | 4 persons"
        return f"{cells[0]}: {cells[1]}."
    if header and len(header) == len(cells):
        return "; ".join(f"{h}: {c}" for h, c in zip(header, cells, strict=True) if c) + "."
    return " ".join(cells) + "."


def _markdown_sections(text: str) -> list[Section]:
    found: list[Section] = []
    title, body = "", list[str]()
    header: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        heading = _MD_HEADING.match(line)
        if heading:
            if any(b.strip() for b in body):
                found.append(Section(title, "\n".join(body).strip()))
            title, body, header = _strip_md(heading.group(2)), [], []
            continue
        if line.strip().startswith("|"):
            if _TABLE_RULE.match(line):
                continue
            if i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
                header = [c.strip() for c in line.strip().strip("|").split("|")]
                continue
            body.append(_table_line(_strip_md(line), header))
            continue
        header = [] if not line.strip() else header
        body.append(_strip_md(line))
    if any(b.strip() for b in body):
        found.append(Section(title, "\n".join(body).strip()))
    return found


def _strip_md(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    return re.sub(r"^\s*[-*+]\s+", "• ", text)


def _looks_like_heading(line: str, next_line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > 60 or stripped.endswith((".", ",", ";")):
        return False
    if re.fullmatch(r"[=\-]{3,}", next_line.strip()):
        return True
    words = stripped.split()
    if len(words) > 8 or ":" in stripped[:-1]:
        return False
    if stripped.isupper() and any(c.isalpha() for c in stripped):
        return True
    return bool(_NUMBERED_HEADING.match(stripped)) or (stripped.endswith(":") and len(words) <= 5) or (
        not next_line.strip() and stripped[:1].isupper() and len(words) <= 5)


def _text_sections(text: str) -> list[Section]:
    found: list[Section] = []
    title, body = "", list[str]()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        next_line = lines[i + 1] if i + 1 < len(lines) else ""
        if re.fullmatch(r"\s*[=\-]{3,}\s*", line):
            continue
        if _looks_like_heading(line, next_line):
            if any(b.strip() for b in body):
                found.append(Section(title, "\n".join(body).strip()))
            title, body = line.strip().rstrip(":"), []
            continue
        body.append(line.rstrip())
    if any(b.strip() for b in body):
        found.append(Section(title, "\n".join(body).strip()))
    return found


_FACT_LINE = re.compile(r"^[^:.!?]{2,48}:\s*\S.{0,160}$")


def _chunks(text: str) -> list[str]:
    """Paragraphs packed into passages of at most `MAX_PASSAGE_CHARS`; each line of a spec table or a block of
    "Name: value" lines is a passage of its own, so an answer quotes the one fact asked about."""
    units: list[tuple[str, bool]] = []  # (text, stands alone)
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        facts = [line for line in lines if _FACT_LINE.match(line)]
        if len(lines) > 1 and len(facts) >= 0.6 * len(lines):
            units += [(line, line in facts) for line in lines]
        elif len(paragraph) <= MAX_PASSAGE_CHARS:
            units.append((paragraph, False))
        else:
            units += [(s, False) for s in re.split(r"(?<=[.!?])\s+|\n", paragraph) if s.strip()]
    chunks: list[str] = []
    current = ""
    for unit, alone in units:
        unit = unit[:MAX_PASSAGE_CHARS]
        if alone:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(unit)
        elif current and len(current) + len(unit) + 1 > MAX_PASSAGE_CHARS:
            chunks.append(current)
            current = unit
        else:
            current = f"{current}\n{unit}" if current else unit
    if current:
        chunks.append(current)
    return chunks
