"""Staff PIN hashing with scrypt: `scrypt$n$r$p$salt$hash`. Run `python -m ui.pin 1234` to make a hash for the
`staff_pin_hash` setting (settings.toml or AISLE_STAFF_PIN_HASH)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys

N, R, P = 2**14, 8, 1


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(pin.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(bytes.fromhex(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def valid_new_pin(pin: str) -> str | None:
    """None when `pin` is acceptable, else why not."""
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        return "Use 4 to 8 digits."
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return "That PIN is too easy to guess."
    return None


if __name__ == "__main__":
    if len(sys.argv) != 2 or valid_new_pin(sys.argv[1]):
        print("usage: python -m ui.pin PIN   (4 to 8 digits, not a run like 1234 or 1111)", file=sys.stderr)
        sys.exit(2)
    print(hash_pin(sys.argv[1]))
