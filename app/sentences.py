"""Cut a streamed reply into sentences as they complete, so speech can start before the whole reply has arrived.

A text utility of the core: the voice loop speaks the offline brain's replies sentence by sentence, and the speech
pipeline brain does the same with a streamed chat model's reply.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "e.g", "i.e", "approx", "no", "inc", "ltd", "co", "oz", "lb",
    "lbs", "ft", "in", "qt", "pt", "mt", "ave", "etc",
}
_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s)|\n+")
_SOFT = re.compile(r"[,;:—–]\s")


class SentenceSplitter:
    """Incremental sentence splitter: ``push`` chunks of text, get back the sentences completed so far.

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` followed by white space (so "$1.99" and "3.5" are not cut), or at
    a newline. Common abbreviations ("Dr.", "e.g."), single initials and list numbers ("1.") do not end a sentence.
    A sentence longer than ``max_chars`` is cut at a comma or similar so that speech starts early; pieces shorter
    than ``min_chars`` are joined to the next one.
    """

    def __init__(self, min_chars: int = 2, max_chars: int = 240) -> None:
        self.min_chars = min_chars
        self.max_chars = max_chars
        self._buf = ""

    def push(self, chunk: str) -> list[str]:
        self._buf += chunk
        out: list[str] = []
        start = 0
        search_from = 0
        while True:
            m = _END.search(self._buf, search_from)
            if m is None:
                break
            end = m.end()
            candidate = self._buf[start:end].strip()
            before = self._buf[start:m.start()]
            if m.group(0).startswith(".") and (self._is_abbreviation(before) or before.strip().isdigit()):
                search_from = end
                continue
            if len(candidate) >= self.min_chars:
                out.append(candidate)
                start = end
            search_from = end
        self._buf = self._buf[start:]
        while len(self._buf) > self.max_chars:
            cut = self._soft_cut(self._buf)
            out.append(self._buf[:cut].strip())
            self._buf = self._buf[cut:]
        return [s for s in out if s]

    def flush(self) -> list[str]:
        rest = self._buf.strip()
        self._buf = ""
        return [rest] if rest else []

    @staticmethod
    def _is_abbreviation(before: str) -> bool:
        word = re.search(r"([A-Za-z.]+)$", before)
        if word is None:
            return False
        token = word.group(1).lower().rstrip(".")
        if len(token) == 1 and token.isalpha() and before[-1:].isupper():
            return True  # an initial: "J. Crew"
        return token in _ABBREVIATIONS

    def _soft_cut(self, text: str) -> int:
        best = -1
        for m in _SOFT.finditer(text, 0, self.max_chars):
            best = m.end()
        if best <= 0:
            best = text.rfind(" ", 0, self.max_chars) + 1
        return best if best > 0 else self.max_chars


def split_sentences(chunks: Iterable[str], min_chars: int = 2, max_chars: int = 240) -> Iterator[str]:
    """Yield complete sentences from a stream of text chunks as soon as each is complete."""
    splitter = SentenceSplitter(min_chars=min_chars, max_chars=max_chars)
    for chunk in chunks:
        yield from splitter.push(chunk)
    yield from splitter.flush()


async def asplit_sentences(chunks: AsyncIterable[str], min_chars: int = 2,
                           max_chars: int = 240) -> AsyncIterator[str]:
    """Async form of :func:`split_sentences` for streamed model replies."""
    splitter = SentenceSplitter(min_chars=min_chars, max_chars=max_chars)
    async for chunk in chunks:
        for sentence in splitter.push(chunk):
            yield sentence
    for sentence in splitter.flush():
        yield sentence
