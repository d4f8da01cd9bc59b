"""The staff PIN, owned by the core: scrypt hashes (`scrypt$n$r$p$salt$hash`), checks, the rules for a new PIN, and
storing the hash in the settings file. IT sets it (`aisle staff set-pin`, or `staff_pin_hash` in settings.toml /
`AISLE_STAFF_PIN_HASH`); the kiosk never lets whoever reaches it first choose one."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from app.settings import Settings, save_settings

N, R, P = 2**14, 8, 1
HOW_TO_SET = ("IT sets it on this computer with the command “aisle staff set-pin”, or puts a hashed PIN "
              "(staff_pin_hash) in settings.toml.")


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
    """None when `pin` is acceptable, else why not, in words."""
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        return "Use 4 to 8 digits."
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return "That PIN is too easy to guess (no runs like 1234 and no repeats like 1111)."
    return None


def is_pin_hash(value: str) -> bool:
    """True for a value `verify_pin` can check (so a plain PIN pasted into settings is caught)."""
    parts = value.split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(parts[1:])


def store_pin(settings: Settings, pin: str) -> Settings:
    """Hash `pin` and write only `staff_pin_hash` into the settings file."""
    problem = valid_new_pin(pin)
    if problem:
        raise ValueError(problem)
    return save_settings(settings, {"staff_pin_hash": hash_pin(pin)})
