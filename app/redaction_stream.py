"""Redaction of a streamed reply: no kept `text_chunk` ever holds a piece of an email, phone or card number.

A reply streams as many `text_chunk` events, and a value may be split across them ("call 555 12" + "3 4567"). Each
piece alone looks harmless, so redacting chunk by chunk would keep both pieces. `ReplyRedactor` follows each
session's reply in event order and keeps back the end of the text that could still grow into a value (a trailing
word, digit run, spoken digits or spoken email); a chunk is kept with only the text that is safe by then (possibly
none). When the reply ends (`completion`, or the next shopper turn, an error, the session's end) the held-back rest
is redacted with the whole reply and appended to the reply's last chunk, which is then kept again (same id), so the
kept chunks still add up to the reply, redacted.

Used by history (on its writer thread, in event order) and by the stream hub for a past session's ring.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass

from app.events import Event, EventKind
from app.redaction import redact_event, redact_text

REPLY_ENDS = frozenset({EventKind.COMPLETION, EventKind.SHOPPER_MESSAGE, EventKind.SESSION_ENDED, EventKind.ERROR,
                        EventKind.BRAIN_CHANGED})
WINDOW = 400  # no value is longer than this; only the reply's last WINDOW characters are looked at

_DIGIT_WORD = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine)"
# Ends of text that a later chunk may turn into (part of) a value.
_OPEN_ENDS = (
    re.compile(r"[\w.+@-]*$"),  # a word, maybe an email or a number still being written
    re.compile(r"\+?\(?\d(?:[ \t.()-]{0,2}\d)*[ \t.()+-]{0,3}$"),  # a digit run and the separators after it
    re.compile(r"[(+][ \t]*$"),  # "(" or "+" before a number
    re.compile(r"\b(?:" + _DIGIT_WORD + r"[\s,-]+)+\w*$", re.IGNORECASE),  # spoken digits
)
# A spoken email so far ("jane at example dot"): only held when it has one of its joining words.
_SPOKEN_EMAIL_END = re.compile(
    r"\b[\w.+-]+(?:\s+(?:dot|underscore|at)\s+[\w.+-]+)*(?:\s+(?:dot|underscore|at))?\s*$", re.IGNORECASE)
_JOINING_WORD = re.compile(r"\s(?:dot|underscore|at)\b", re.IGNORECASE)


def open_end(text: str) -> int:
    """Where the part of `text` that a later chunk could still make into a value begins (len(text): none)."""
    offset = max(0, len(text) - WINDOW)
    window = text[offset:]
    start = len(window)
    for pattern in _OPEN_ENDS:
        match = pattern.search(window)
        if match is not None and match.start() < match.end():
            start = min(start, match.start())
    match = _SPOKEN_EMAIL_END.search(window)
    if match is not None and _JOINING_WORD.search(match.group(0)):
        start = min(start, match.start())
    return offset + start


@dataclass
class _Reply:
    text: str = ""  # the reply so far, as said
    released: int = 0  # how much of `text` is kept (redacted) in chunks
    kept: str = ""  # what the chunks hold so far (redacted)
    last_chunk: Event | None = None  # the last chunk as kept


def _with_text(event: Event, text: str) -> Event:
    if text == event.data.get("text"):
        return redact_event(event)
    return redact_event(dataclasses.replace(event, data={**event.data, "text": text}))


class ReplyRedactor:
    """Per session, the reply in progress. Feed every event of every session in order to `keep`."""

    def __init__(self) -> None:
        self._replies: dict[str, _Reply] = {}

    def snapshot(self) -> dict[str, _Reply]:
        """The state now, for `restore` when what was kept from here on is rolled back."""
        return copy.deepcopy(self._replies)

    def restore(self, snapshot: dict[str, _Reply]) -> None:
        self._replies = snapshot

    def keep(self, event: Event) -> list[Event]:
        """What to keep for `event`, redacted: the event (a chunk with only its safe text), preceded, when it ends
        a reply, by that reply's last chunk with the held-back rest appended (same id: it replaces the one kept)."""
        sid = event.session_id
        if event.kind is EventKind.TEXT_CHUNK:
            reply = self._replies.setdefault(sid, _Reply())
            reply.text += str(event.data.get("text") or "")
            kept = _with_text(event, self._release(reply, open_end(reply.text)))
            reply.last_chunk = kept
            return [kept]
        out = self.finish(sid) if event.kind in REPLY_ENDS else []
        out.append(redact_event(event))
        return out

    def finish(self, session_id: str) -> list[Event]:
        """The session's reply ends: its last chunk with the held-back rest appended (nothing when none is held)."""
        reply = self._replies.pop(session_id, None)
        if reply is None or reply.last_chunk is None or reply.released >= len(reply.text):
            return []
        rest = self._release(reply, len(reply.text))
        last = reply.last_chunk
        return [_with_text(last, str(last.data.get("text") or "") + rest)]

    @staticmethod
    def _release(reply: _Reply, upto: int) -> str:
        """The redacted text of `reply.text[released:upto]`, now kept."""
        upto = max(upto, reply.released)
        whole = redact_text(reply.text[:upto])
        if whole.startswith(reply.kept):
            piece = whole[len(reply.kept):]
        else:  # a value reached back into what was kept (cannot happen when open_end is right): redact alone
            piece = redact_text(reply.text[reply.released:upto])
        reply.released, reply.kept = upto, reply.kept + piece
        return piece


def redact_stream(events: list[Event]) -> list[Event]:
    """A finished stretch of events (a past session's ring), redacted as history keeps it: chunk texts as released,
    the last chunk of each reply holding the rest."""
    redactor = ReplyRedactor()
    kept: dict[tuple[str, int], Event] = {}
    for event in events:
        for item in redactor.keep(event):
            kept[(item.session_id, item.id)] = item
    tails = [item for sid in {e.session_id for e in events} for item in redactor.finish(sid)]
    for item in tails:
        kept[(item.session_id, item.id)] = item
    return [kept[(e.session_id, e.id)] for e in events]
