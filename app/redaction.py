"""Shoppers' contact and payment details never kept: emails, phone numbers and card numbers are redacted.

A kiosk stands in a public place; a shopper may say or type "my email is jane@example.com, call me on 555 123 4567".
The live turn sees the words as said (the brain may need them); anything *kept* — history, logs, crash reports, the
fleet outbox, past sessions served over HTTP — goes through `redact_text` / `redact_value` / `redact_event` first.

What counts: an email address, typed (`jane@example.com`) or spoken (`jane at example dot com`); a run of 7 to 15
digits with phone-like separators (`555 123 4567`, `+1 (555) 123-4567`), also spoken as digit words
(`five five five one two three ...`); digits written with no separator at all only in a phone number's shape
(ten digits after an area code 2-9, eleven after a leading 0 or 1), so Unix times and reference numbers stay; a
card number is a run of 13 to 19 digits that passes the Luhn check. Prices
(`1,299.99`), product ids (`TNT-1001`), order numbers and session ids are left alone.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from typing import Any

from app.events import Event, payload_from_wire
from app.secrets import SECRET_NAMES

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card]"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
_SPOKEN_EMAIL = re.compile(r"\b[\w.+-]+(?:\s+(?:dot|underscore)\s+\w+)*\s+at\s+[\w-]+(?:\s+dot\s+[\w-]+)+\b",
                           re.IGNORECASE)
# digits with single separators between them; the whole run is then judged by its digit count
_DIGIT_RUN = re.compile(r"(?<![\w.,:/-])\+?\(?\d(?:[ \t.()-]{0,2}\d)+\)?(?![\w:/-])")
_PRICE = re.compile(r"^\$?\d{1,3}(?:,\d{3})*(?:\.\d{1,2})?$|^\d+\.\d{1,2}$")
# dates and times (log lines, timestamps): 2026-12-03, 2026-12-03 08:55, 03.12.2026, 12/03/2026
_DATE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?|\d{1,2}[./]\d{1,2}[./]\d{2,4})$")
_DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_SPOKEN_DIGITS = re.compile(r"\b(?:(?:" + "|".join(_DIGIT_WORDS) + r")[\s,-]+){6,18}(?:"
                            + "|".join(_DIGIT_WORDS) + r")\b", re.IGNORECASE)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _bare_phone(digits: str) -> bool:
    """A run of digits written without any separator is a phone number only in the shapes phone numbers take
    written that way: ten digits after an area code 2-9 (North America), or eleven that start with the trunk
    prefix 0 (07946 095800) or with 1 before such an area code. A Unix time (1764763200), an order or
    reference number of other lengths is left alone."""
    if len(digits) == 10:
        return digits[0] in "23456789"
    if len(digits) == 11:
        return digits[0] == "0" or (digits[0] == "1" and digits[1] in "23456789")
    return False


def _judge(digits: str, original: str) -> str:
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return CARD
    written = original.strip()
    if written.isdigit():
        return PHONE if _bare_phone(digits) else original
    if 7 <= len(digits) <= 15 and not _PRICE.match(written) and not _DATE.match(written):
        return PHONE
    return original


def _digit_run(match: re.Match[str]) -> str:
    text = match.group(0)
    return _judge(re.sub(r"\D", "", text), text)


def _spoken_digits(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = "".join(_DIGIT_WORDS[w.lower()] for w in re.findall(r"[A-Za-z]+", text))
    return _judge(digits, text)


def redact_text(text: str) -> str:
    """`text` with emails, phone numbers and card numbers replaced by `[email]`, `[phone]`, `[card]`."""
    if not text:
        return text
    out = _EMAIL.sub(EMAIL, text) if "@" in text else text
    if " at " in out.lower():
        out = _SPOKEN_EMAIL.sub(EMAIL, out)
    if sum(ch.isdigit() for ch in out) >= 7:
        out = _DIGIT_RUN.sub(_digit_run, out)
    if len(out) >= 20:
        out = _SPOKEN_DIGITS.sub(_spoken_digits, out)
    return out


def redact_value(value: Any) -> Any:
    """Strings anywhere inside dicts, lists and tuples redacted; other values as they are."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


def redact_event(event: Event) -> Event:
    """The event with its data redacted (the same object when there was nothing to redact)."""
    wire = event.data
    data = redact_value(wire)
    return event if data == wire else dataclasses.replace(event, payload=payload_from_wire(event.kind, data))


SECRET = "[secret]"
MIN_SECRET_CHARS = 8  # shorter values would blank ordinary words; real keys and tokens are far longer


def _secret_values() -> list[str]:
    """The values of the secrets set in this process's environment (keys, tokens, the fleet password)."""
    return [value for name in SECRET_NAMES if len(value := os.environ.get(name, "").strip()) >= MIN_SECRET_CHARS]


class RedactingFormatter(logging.Formatter):
    """A log formatter whose output (message, arguments and traceback) is redacted, secrets' values included."""

    def format(self, record: logging.LogRecord) -> str:
        text = redact_text(super().format(record))
        for value in _secret_values():  # a key pasted into an error message by a library must not reach the log
            text = text.replace(value, SECRET)
        return text
