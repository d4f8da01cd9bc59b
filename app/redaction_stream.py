"""Redaction of a streamed reply: no kept `text_chunk` ever holds a piece of an email, phone or card number.

A reply streams as many `text_chunk` events, and a value may be split across them ("call 555 12" + "3 4567"). Each
piece alone looks harmless, so redacting chunk by chunk would keep both pieces. `ReplyRedactor` follows each
session's reply in event order and holds back the chunks at the end of the text that could still grow into a value
(a trailing word, digit run, spoken digits or spoken email): a chunk is kept once the text after it has closed what
it ends with, normally when the next chunk arrives, and at the latest when the reply ends (`completion`, the next
shopper turn, an error, the session's end or a new session). Chunks keep their own ids and their own text, redacted;
only when a value spans chunks does the first of them hold the redacted stretch and the others nothing, so the kept
chunks always add up to the reply, redacted.

Used by history (on its writer thread, in event order) and by the stream hub for a past session's ring.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field

from app.events import (
    BrainChanged,
    ErrorRaised,
    Event,
    ReplyChunkStreamed,
    ReplyCompleted,
    SessionEnded,
    SessionStarted,
    ShopperSpoke,
)
from app.redaction import redact_event, redact_text

REPLY_ENDS = (ReplyCompleted, ShopperSpoke, SessionEnded, ErrorRaised, BrainChanged)
WINDOW = 160  # no value is longer than this; only the reply's last WINDOW characters are looked at
MAX_HELD = 64  # chunks held back at most (beyond, the text is kept up to its open end regardless)

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
    held: list[tuple[Event, int, int]] = field(default_factory=list)  # chunks held back, with their span in `text`


def _with_text(event: Event, text: str) -> Event:
    payload = event.payload
    if not isinstance(payload, ReplyChunkStreamed) or text == payload.text:
        return redact_event(event)
    return redact_event(dataclasses.replace(event, payload=dataclasses.replace(payload, text=text)))


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
        """What to keep now, in order, redacted: for a chunk, the chunks (this one or earlier ones) whose text is
        closed by now, maybe none; for any other event, the event, preceded by every chunk still held when it
        ends a reply."""
        sid = event.session_id
        payload = event.payload
        if isinstance(payload, ReplyChunkStreamed):
            reply = self._replies.setdefault(sid, _Reply())
            start = len(reply.text)
            reply.text += payload.text
            reply.held.append((event, start, len(reply.text)))
            closed = self._closed_chunks(reply)
            group, reply.held = reply.held[:closed], reply.held[closed:]
            return self._release(reply, group)
        if isinstance(payload, SessionStarted):  # a new session: every other one's reply is over
            out = [kept for other in list(self._replies) for kept in self.finish(other)]
        else:
            out = self.finish(sid) if isinstance(payload, REPLY_ENDS) else []
        out.append(redact_event(event))
        return out

    def finish(self, session_id: str) -> list[Event]:
        """The session's reply ends: every chunk still held, redacted with the whole reply."""
        reply = self._replies.pop(session_id, None)
        return self._release(reply, reply.held) if reply is not None else []

    @staticmethod
    def _closed_chunks(reply: _Reply) -> int:
        """How many of the held chunks can be kept now: they end before the open end of the text, and no value
        runs across the end of the last of them (redacting before and after it gives what redacting across does).
        Only the text after what is already kept is looked at: no value runs across that point either."""
        base = reply.released
        text = reply.text[base:]
        safe = open_end(reply.text) - base
        whole = None
        tried = 0
        for count in range(len(reply.held), 0, -1):
            cut = reply.held[count - 1][2] - base
            if cut > safe:
                continue
            if len(reply.held) > MAX_HELD:
                return count  # a stretch this long is no single value (a run of 64 digit chunks, say)
            whole = whole if whole is not None else redact_text(text[:safe])
            if redact_text(text[:cut]) + redact_text(text[cut:safe]) == whole:
                return count
            tried += 1
            if tried == 4:
                break
        return 0

    @staticmethod
    def _release(reply: _Reply, group: list[tuple[Event, int, int]]) -> list[Event]:
        """The chunks of `group` (the next held ones, in order) as kept: redacted."""
        if not group:
            return []
        upto = group[-1][2]
        redacted = redact_text(reply.text[reply.released:upto])
        reply.released = upto
        own = [redact_text(reply.text[start:end]) for _event, start, end in group]
        texts = own if "".join(own) == redacted else [redacted] + [""] * (len(group) - 1)
        return [_with_text(event, text) for (event, _start, _end), text in zip(group, texts, strict=True)]


def redact_stream(events: list[Event]) -> list[Event]:
    """A finished stretch of events (a past session's ring), each redacted as history keeps it."""
    redactor = ReplyRedactor()
    kept: dict[tuple[str, int], Event] = {}
    for event in events:
        for item in redactor.keep(event):
            kept[(item.session_id, item.id)] = item
    for item in [item for sid in {e.session_id for e in events} for item in redactor.finish(sid)]:
        kept[(item.session_id, item.id)] = item
    return [kept[(e.session_id, e.id)] for e in events]
