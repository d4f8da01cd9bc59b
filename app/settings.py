"""Settings: one frozen object built from defaults, a TOML file, environment variables and command-line overrides.

Later sources win: defaults < `settings.toml` in the data directory < `AISLE_*` environment variables < CLI flags.
Settings are passed in where they are needed, never imported as a global. Secrets are not settings: see
`app.secrets`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

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


def _coerce(name: str, kind: Any, raw: Any) -> Any:
    text = str(raw).strip()
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"setting {name} must be true or false, not {raw!r}")
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    if kind == tuple[str, ...]:
        items = raw if isinstance(raw, list | tuple) else text.split(",")
        return tuple(str(item).strip() for item in items if str(item).strip())
    if kind in (Path, Path | None):
        return Path(text).expanduser() if text else None
    return text


def _apply(values: dict[str, Any], source: Mapping[str, Any], origin: str) -> None:
    hints = get_type_hints(Settings)
    for key, raw in source.items():
        name = key.replace("-", "_")
        if name not in hints:
            log.warning("ignoring unknown setting %r from %s", key, origin)
            continue
        try:
            values[name] = _coerce(name, hints[name], raw)
        except ValueError as exc:
            raise SettingsError(f"{origin}: {exc}") from exc


class SettingsError(ValueError):
    """A setting has a value Aisle cannot use; the message names the setting and where it came from."""


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings from defaults, the settings file, `AISLE_*` variables and explicit overrides."""
    env = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    values: dict[str, Any] = {}
    data_dir = overrides.get("data_dir") or env.get("AISLE_DATA_DIR") or default_data_dir()
    values["data_dir"] = Path(data_dir).expanduser()
    settings_file = values["data_dir"] / SETTINGS_FILE
    if settings_file.is_file():
        try:
            _apply(values, tomllib.loads(settings_file.read_text(encoding="utf-8")), str(settings_file))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{settings_file} is not valid TOML: {exc}") from exc
    prefix = "AISLE_"
    from_env = {
        k[len(prefix):].lower(): v for k, v in env.items()
        if k.startswith(prefix) and k not in ("AISLE_DATA_DIR", "AISLE_API_TOKEN")
    }
    known = {f.name for f in fields(Settings)}
    _apply(values, {k: v for k, v in from_env.items() if k in known}, "environment")
    _apply(values, overrides, "command line")
    values["data_dir"] = Path(data_dir).expanduser()
    settings = Settings(**values)
    if settings.brain not in ("auto", *BRAINS):
        raise SettingsError(f"brain must be one of auto, {', '.join(BRAINS)}; got {settings.brain!r}")
    return settings


def save_settings(settings: Settings, changes: Mapping[str, Any]) -> Settings:
    """Persist staff-panel changes to the settings file and return the updated settings."""
    path = settings.data_dir / SETTINGS_FILE
    current: dict[str, Any] = {}
    if path.is_file():
        current = tomllib.loads(path.read_text(encoding="utf-8"))
    current.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for key, value in sorted(current.items()):
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int | float):
            lines.append(f"{key} = {value}")
        elif isinstance(value, list | tuple):
            lines.append(f"{key} = [{', '.join(_toml_str(str(v)) for v in value)}]")
        else:
            lines.append(f"{key} = {_toml_str(str(value))}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return settings.replace(**{k: v for k, v in changes.items() if k in {f.name for f in fields(Settings)}})


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
