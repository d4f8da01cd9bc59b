"""Settings: one frozen object built from defaults, a TOML file, environment variables and command-line overrides.

Later sources win: defaults < `settings.toml` in the data directory < `AISLE_*` environment variables < CLI flags.
Settings are passed in where they are needed, never imported as a global. Secrets are not settings: see
`app.secrets`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from app import settings_schema as schema
from app.paths import default_data_dir

log = logging.getLogger("aisle.app.settings")

SETTINGS_FILE = "settings.toml"
BRAINS = ("offline", "openai", "azure", "azure-speech", "local")


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one running Aisle."""

    data_dir: Path = field(default_factory=default_data_dir)
    catalog: Path | None = None  # None: the data directory's catalog, seeded from the shipped one
    store_name: str = "Trailhead Outfitters"
    brain: str = "auto"  # auto: a cloud brain when its key is configured, else offline
    history_retention_days: int = 30
    reply_pacing_ms: int = 0  # deliberate delay between streamed text chunks of the offline agent
    idle_timeout_s: int = 60
    idle_countdown_s: int = 10
    theme: str = "light"  # light | dark | contrast
    large_text: bool = False
    kiosk_lock: bool = False
    hide_cursor: bool = False
    staff_pin_hash: str = ""
    max_message_chars: int = 1000
    # HTTP / SSE endpoint
    api_host: str = "127.0.0.1"
    api_port: int = 8765
    api_enabled: bool = True
    cors_origins: tuple[str, ...] = ()
    api_token: str = field(default="", repr=False)  # AISLE_API_TOKEN (environment/keyring) is used when empty
    api_post_rate_per_min: float = 20.0  # messages one client may post per minute (token bucket refill)
    api_post_burst: int = 5  # messages one client may post at once
    sse_heartbeat_s: float = 15.0  # heartbeat comment interval on idle streams
    sse_client_queue: int = 500  # events a stream client may fall behind before it is dropped (it can resume)
    sse_ring_size: int = 1000  # recent events kept in memory per session for fast resumes
    sse_send_timeout_s: float = 30.0  # a stream whose socket accepts nothing for this long is closed
    sse_max_clients: int = 2000  # concurrent stream clients; more get 503
    api_header_timeout_s: float = 10.0  # a connection must send its request headers within this time
    api_keepalive_s: float = 5.0  # an idle keep-alive connection is closed after this long
    api_max_connections: int = 4000  # open connections at once (kept below the descriptor limit); more get 503
    trusted_proxies: tuple[str, ...] = ()  # proxy addresses whose X-Forwarded-For is believed (none by default)
    # voice
    voice_enabled: bool = True
    input_device: str = ""
    output_device: str = ""
    vad_aggressiveness: int = 2
    vad_start_ms: int = 200
    vad_silence_ms: int = 500
    barge_in_ms: int = 300
    echo_mode: str = "auto"  # auto | aec | half-duplex | off
    push_to_talk: bool = False
    tts_voice: str = "en-us"
    tts_rate_wpm: int = 175
    vad_early_end_ms: int = 240  # silence that ends a turn already a whole grammar sentence (0: always vad_silence_ms)
    neural_model: str = "tiny.en"  # second-pass Whisper model for free-form speech: tiny.en | base | "" (off)
    llm_url: str = ""  # --brain local: an OpenAI-compatible chat endpoint (AISLE_LLM_URL), e.g. http://127.0.0.1:11434/v1
    llm_model: str = ""  # --brain local: the model name at that endpoint (AISLE_LLM_MODEL)
    llm_first_token_timeout_s: float = 8.0  # --brain local: slower than this to start answering -> offline agent
    # cloud brains
    openai_model: str = "gpt-realtime"
    openai_voice: str = "marin"
    openai_speed: float = 1.0
    turn_detection: str = "server_vad"  # server_vad | semantic_vad | manual
    azure_endpoint: str = ""
    azure_deployment: str = ""
    azure_api_version: str = ""  # empty: the GA v1 route; set: the preview route with this api-version
    azure_speech_region: str = ""
    azure_speech_endpoint: str = ""
    chat_model: str = "gpt-4o-mini"
    session_token_budget: int = 200_000
    session_rotate_s: int = 25 * 60
    # fleet mode (app/fleet): on when AISLE_FLEET_DSN (environment/keyring) or fleet_dsn is set
    fleet_dsn: str = field(default="", repr=False)  # a DSN without its password; AISLE_FLEET_DSN wins
    store_id: str = ""  # the store this kiosk sells for (required in fleet mode)
    kiosk_id: str = ""  # empty: generated once and kept in the data directory
    fleet_poll_s: float = 30.0  # catalog check interval when LISTEN/NOTIFY is not getting through
    fleet_heartbeat_s: float = 15.0  # how often the kiosk reports its state to the fleet
    fleet_batch_size: int = 500  # outbox rows shipped per transaction
    fleet_retry_max_s: float = 30.0  # longest wait between reconnection attempts
    fleet_outbox_warn: int = 20_000  # staff are told when this many events wait to be shipped

    @property
    def history_path(self) -> Path:
        return self.data_dir / "history.db"

    @property
    def catalog_path(self) -> Path:
        return self.catalog if self.catalog is not None else self.data_dir / "catalog.db"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


class SettingsError(ValueError):
    """A setting has a value Aisle cannot use; the message names the setting and where it came from."""


def _apply(values: dict[str, Any], source: Mapping[str, Any], origin: str, warnings: list[str]) -> None:
    """Check each value against its field's type and constraint (`app.settings_schema`). A bad value from the file
    or the environment is reported (name, origin, what is allowed) and the value it would replace is kept; a bad
    value given on the command line is an error (the person is there to fix it)."""
    hints = get_type_hints(Settings)
    for key, raw in source.items():
        name = key.replace("-", "_")
        if name not in hints:
            warnings.append(f"{origin}: ignoring unknown setting {key!r}")
            continue
        try:
            values[name] = schema.check(name, hints[name], raw)
        except schema.SettingInvalid as exc:
            if origin == "command line":
                raise SettingsError(f"{origin}: {exc}") from exc
            fallback = values[name] if name in values else _default(name)
            warnings.append(f"{origin}: {exc}; using {fallback!r} instead")


def _default(name: str) -> Any:
    for f in fields(Settings):
        if f.name == name:
            return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    raise KeyError(name)


def _read_file(path: Path, warnings: list[str]) -> dict[str, Any]:
    """The settings file's values; a file that is not UTF-8 TOML is reported and ignored (the defaults are used)."""
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        warnings.append(f"{path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at position {exc.start}); "
                        "none of its settings are read, the defaults are used. Save it as UTF-8.")
    except tomllib.TOMLDecodeError as exc:
        warnings.append(f"{path} is not valid TOML ({exc}); none of its settings are read, the defaults are used.")
    except OSError as exc:
        warnings.append(f"{path} cannot be read ({exc.strerror or exc}); the defaults are used.")
    return {}


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    warnings: list[str] | None = None,
) -> Settings:
    """Build the settings from defaults, the settings file, `AISLE_*` variables and explicit overrides.

    Problems with the file or the environment never stop Aisle: each is logged and appended to `warnings` (a
    sentence naming the setting, where it came from and what is allowed) and a good value is used instead."""
    env = os.environ if environ is None else environ
    problems: list[str] = [] if warnings is None else warnings
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    values: dict[str, Any] = {}
    data_dir = overrides.get("data_dir") or env.get("AISLE_DATA_DIR") or default_data_dir()
    values["data_dir"] = Path(data_dir).expanduser()
    settings_file = values["data_dir"] / SETTINGS_FILE
    if settings_file.is_file():
        _apply(values, _read_file(settings_file, problems), str(settings_file), problems)
    prefix = "AISLE_"
    from_env = {
        k[len(prefix):].lower(): v for k, v in env.items()
        if k.startswith(prefix) and k not in ("AISLE_DATA_DIR", "AISLE_API_TOKEN")
    }
    known = {f.name for f in fields(Settings)}
    _apply(values, {k: v for k, v in from_env.items() if k in known}, "environment", problems)
    _apply(values, overrides, "command line", problems)
    values["data_dir"] = Path(data_dir).expanduser()
    if warnings is None:  # nobody collects them: log them (`aisle` prints and logs the ones it collects)
        for problem in problems:
            log.warning("settings: %s", problem)
    return Settings(**values)


def save_settings(settings: Settings, changes: Mapping[str, Any]) -> Settings:
    """Persist staff-panel changes and return the updated settings. Only values that differ from `settings` are
    written, each on its own `name = value` line (replaced in place, or added); the rest of the file, comments
    included, stays as it was. A value the schema refuses raises SettingsError and nothing is written."""
    hints = get_type_hints(Settings)
    changed: dict[str, Any] = {}
    for name, raw in changes.items():
        if name not in hints:
            raise SettingsError(f"there is no setting {name!r}")
        try:
            value = schema.check(name, hints[name], raw)
        except schema.SettingInvalid as exc:
            raise SettingsError(str(exc)) from exc
        if value != getattr(settings, name):
            changed[name] = value
    if not changed:
        return settings
    path = settings.data_dir / SETTINGS_FILE
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.is_file() else []
    for name, value in changed.items():
        _set_line(lines, name, _toml_value(value))
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temp.replace(path)
    return settings.replace(**changed)


def _set_line(lines: list[str], name: str, value: str) -> None:
    """Replace the top-level `name = ...` line (before any [table]) or add one there."""
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    end = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    for i in range(end):
        if pattern.match(lines[i]):
            lines[i] = f"{name} = {value}"
            return
    lines.insert(end, f"{name} = {value}")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return f"[{', '.join(_toml_str(str(v)) for v in value)}]"
    return _toml_str(str(value))


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped) + '"'
