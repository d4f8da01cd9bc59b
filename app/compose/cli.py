"""The `aisle` command: the kiosk (default), `chat`, `catalog build|import`, `fleet …`, `staff set-pin`,
`screenshots`, `--headless`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from app.logging_setup import setup_logging
from app.settings import BRAINS, Settings, SettingsError, load_settings

log = logging.getLogger("aisle.app.compose.cli")


def _common(parser: argparse.ArgumentParser, subcommand: bool = False) -> None:
    # On subcommands the options default to "not given", so `aisle --data-dir X chat` keeps X.
    default = argparse.SUPPRESS if subcommand else None
    parser.add_argument("--catalog", type=Path, default=default,
                        help="catalog database to use (default: the data directory's)")
    parser.add_argument("--data-dir", type=Path, default=default, help="where settings, history and logs live")
    parser.add_argument("--brain", choices=("auto", *BRAINS), default=default,
                        help="conversation brain (default: auto)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aisle", description="Aisle, the voice shopping assistant for kiosks.")
    _common(parser)
    parser.add_argument("--headless", action="store_true", help="no window: brain, history and the HTTP endpoint")
    parser.add_argument("--host", help="HTTP endpoint address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="HTTP endpoint port (default 8765)")
    parser.add_argument("--no-voice", action="store_true", help="turn the microphone and speaker off")
    parser.add_argument("--kiosk", action="store_true", help="lock the window fullscreen")
    sub = parser.add_subparsers(dest="command")

    chat = sub.add_parser("chat", help="talk to Aisle in the terminal")
    _common(chat, subcommand=True)
    chat.add_argument("--json", action="store_true", help="one message per input line; events as JSON lines")

    catalog = sub.add_parser("catalog", help="build or import the product catalog")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    build = catalog_sub.add_parser("build", help="rebuild catalog.db from resources/catalog")
    build.add_argument("--out", type=Path, help="output file (default: catalog.db in the source tree)")
    from app.catalog.import_cli import add_import_parser

    imp = add_import_parser(catalog_sub)
    for p in (build, imp):
        _common(p, subcommand=True)

    from app.fleet.commands import add_fleet_parser

    add_fleet_parser(sub, _common)
    from app.staff_cli import add_staff_parser

    add_staff_parser(sub, _common)
    shots = sub.add_parser("screenshots", help="render every main screen to PNG files (offscreen)")
    shots.add_argument("--out", type=Path, required=True)
    _common(shots, subcommand=True)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "catalog": getattr(args, "catalog", None),
        "data_dir": getattr(args, "data_dir", None),
        "brain": getattr(args, "brain", None),
        "api_host": getattr(args, "host", None),
        "api_port": getattr(args, "port", None),
    }
    if getattr(args, "no_voice", False):
        overrides["voice_enabled"] = False
    if getattr(args, "kiosk", False):
        overrides["kiosk_lock"] = True
    warnings: list[str] = []
    settings = load_settings(overrides, warnings=warnings)
    for warning in warnings:  # before logging is set up: the person starting Aisle sees them
        print(f"aisle: settings: {warning}", file=sys.stderr)
    return settings


def cmd_catalog(args: argparse.Namespace, settings: Settings) -> int:
    from app.catalog.build import build_catalog
    from app.catalog.import_cli import run_import
    from app.paths import shipped_catalog_path

    if args.catalog_command == "build":
        out = args.out or shipped_catalog_path()
        count = build_catalog(out)
        print(f"Built {out} with {count} products.")
        return 0
    return run_import(args, settings)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from app.chat import run_chat
    from app.compose.runtime import build_app

    if not args.json and settings.reply_pacing_ms == 0:
        settings = settings.replace(reply_pacing_ms=25)
    runtime = build_app(settings)
    return asyncio.run(run_chat(runtime, json_mode=args.json))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except SettingsError as exc:
        print(f"aisle: {exc}", file=sys.stderr)
        return 2
    quiet = args.command == "chat" and getattr(args, "json", False)
    setup_logging(settings.log_dir, "ERROR" if quiet else "WARNING")
    from app.crash import install_crash_handler

    # crash reports for every command; only the kiosk window restarts itself (to the attract screen)
    with install_crash_handler(settings, restart=settings.kiosk_lock and args.command is None and not args.headless):
        return run_command(args, settings)


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    from app.catalog.store import CatalogError

    try:
        if args.command == "chat":
            return cmd_chat(args, settings)
        if args.command == "catalog":
            return cmd_catalog(args, settings)
        if args.command == "fleet":
            from app.fleet.commands import cmd_fleet

            return cmd_fleet(args, settings)
        if args.command == "staff":
            from app.staff_cli import cmd_staff

            return cmd_staff(args, settings)
        if args.command == "screenshots":
            from ui.screenshots import render_all

            return render_all(settings, args.out)
        from app.compose.launch import launch

        return launch(settings, headless=args.headless)
    except CatalogError as exc:
        print(f"aisle: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
