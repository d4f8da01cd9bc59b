"""`aisle staff set-pin`: IT sets the staff PIN on the kiosk computer (asked twice, never echoed, never on the command
line where it would stay in the shell history). `--print-hash` prints the hash for a settings file instead."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from app.settings import Settings
from app.staff_pin import hash_pin, store_pin, valid_new_pin


def add_staff_parser(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:  # type: ignore[type-arg]
    staff = sub.add_parser("staff", help="staff access: set the staff PIN")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    set_pin = staff_sub.add_parser("set-pin", help="set the staff PIN (asked twice, 4 to 8 digits)")
    set_pin.add_argument("--print-hash", action="store_true",
                         help="print the hashed PIN (for staff_pin_hash in settings.toml) instead of saving it")
    common(set_pin, subcommand=True)


def _read_pin(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline()  # piped in (scripts, provisioning): one PIN per line
    return line.strip()


def cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    pin = _read_pin("New staff PIN (4 to 8 digits): ")
    problem = valid_new_pin(pin)
    if problem:
        print(f"aisle: the PIN was not set. {problem}", file=sys.stderr)
        return 2
    if _read_pin("The same PIN again: ") != pin:
        print("aisle: the PIN was not set: the two PINs were different. Run the command again.", file=sys.stderr)
        return 2
    if args.print_hash:
        print(hash_pin(pin))
        return 0
    store_pin(settings, pin)
    print(f"Staff PIN set (stored as a hash in {settings.data_dir / 'settings.toml'}). Restart a running kiosk to "
          f"use it.")
    return 0
