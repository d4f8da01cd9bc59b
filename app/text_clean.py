"""What counts as nothing in a shopper's text: control characters and invisible format characters (zero-width
spaces and joiners, byte-order marks, direction marks), besides whitespace. They are removed before a message is
taken, so a message made only of them is empty (the API answers 422; the kiosk ignores it)."""

from __future__ import annotations

import re

# Cc controls except the whitespace ones, and the Cf characters a keyboard or a paste can smuggle in
INVISIBLE_CHARS = r"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\xad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]")


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)
