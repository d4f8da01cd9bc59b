"""Settings: defaults < settings.toml in the data directory < AISLE_* variables < command-line overrides; secrets
are never settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.paths import default_data_dir
from app.secrets import describe, get_secret
from app.settings import Settings, SettingsError, load_settings, save_settings


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path}, environ={})
    assert settings.history_retention_days == 30 and settings.brain == "auto" and settings.reply_pacing_ms == 0
    assert settings.history_path == tmp_path / "history.db"
    assert settings.catalog_path == tmp_path / "catalog.db" and settings.log_dir == tmp_path / "logs"
    assert load_settings(environ={}).data_dir == default_data_dir()


def test_layers_in_order(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('history_retention_days = 7\nbrain = "offline"\nstore_name = "File"\n')
    env = {"AISLE_HISTORY_RETENTION_DAYS": "14", "AISLE_STORE_NAME": "Env"}
    settings = load_settings({"data_dir": tmp_path, "store_name": "Flag", "catalog": None}, environ=env)
    assert settings.brain == "offline"  # from the file
    assert settings.history_retention_days == 14  # the environment beats the file
    assert settings.store_name == "Flag"  # the command line beats both
    assert settings.catalog is None  # an unset flag does not override


def test_data_dir_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(environ={"AISLE_DATA_DIR": str(tmp_path / "kiosk")})
    assert settings.data_dir == tmp_path / "kiosk"


def test_a_bad_flag_is_an_error_that_says_what_is_allowed(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="brain = 'psychic' is not allowed: it must be one of auto, offline"):
        load_settings({"data_dir": tmp_path, "brain": "psychic"}, environ={})


@pytest.mark.parametrize(("line", "name", "allowed"), [
    ("history_retention_days = 0", "history_retention_days", "a whole number from 1 to 3650"),
    ("history_retention_days = -1", "history_retention_days", "a whole number from 1 to 3650"),
    ("api_port = [1, 2]", "api_port", "a whole number from 0 to 65535"),
    ("api_port = 99999", "api_port", "a whole number from 0 to 65535"),
    ("max_message_chars = -5", "max_message_chars", "a whole number from 1 to 100000"),
    ("sse_max_clients = 0", "sse_max_clients", "a whole number from 1 to 100000"),
    ("sse_heartbeat_s = -1", "sse_heartbeat_s", "a number from 1 to 3600"),
    ('theme = "neon"', "theme", "one of light, dark, contrast"),
    ('kiosk_lock = "maybe"', "kiosk_lock", "true or false"),
    ("store_name = 42", "store_name", "text of at most 80 characters"),
])
def test_a_bad_value_in_the_file_is_reported_and_the_default_used(
        tmp_path: Path, line: str, name: str, allowed: str) -> None:
    (tmp_path / "settings.toml").write_text(f'{line}\nstore_name_ok = 1\nreply_pacing_ms = 5\n'
                                            if name != "store_name" else f"{line}\nreply_pacing_ms = 5\n")
    warnings: list[str] = []
    settings = load_settings({"data_dir": tmp_path}, environ={}, warnings=warnings)
    default = getattr(Settings(data_dir=tmp_path), name)
    assert getattr(settings, name) == default and settings.reply_pacing_ms == 5  # the good ones are kept
    problem = next(w for w in warnings if name + " =" in w)
    assert str(tmp_path / "settings.toml") in problem and allowed in problem and repr(default) in problem


def test_a_bad_environment_value_keeps_the_file_value(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("history_retention_days = 7\n")
    warnings: list[str] = []
    settings = load_settings({"data_dir": tmp_path}, environ={"AISLE_HISTORY_RETENTION_DAYS": "0",
                                                             "AISLE_KIOSK_LOCK": "maybe"}, warnings=warnings)
    assert settings.history_retention_days == 7 and settings.kiosk_lock is False
    assert len(warnings) == 2 and all(w.startswith("environment: ") for w in warnings)


@pytest.mark.parametrize("content", [
    "store_name = \"Caf\xe9\"\n".encode("latin-1"), bytes(range(256)), b"this is = = not toml"])
def test_a_latin1_binary_or_broken_file_gives_a_clear_message_and_the_defaults(
        tmp_path: Path, content: bytes) -> None:
    (tmp_path / "settings.toml").write_bytes(content)
    warnings: list[str] = []
    settings = load_settings({"data_dir": tmp_path}, environ={}, warnings=warnings)
    assert settings == Settings(data_dir=tmp_path)
    assert len(warnings) == 1 and "settings.toml" in warnings[0] and "the defaults are used" in warnings[0]
    assert ("not UTF-8" in warnings[0]) or ("not valid TOML" in warnings[0])


def test_the_aisle_command_prints_settings_problems_and_starts(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "settings.toml").write_text("history_retention_days = 0\n")
    done = subprocess.run([sys.executable, "-m", "app.compose.cli", "--data-dir", str(tmp_path), "chat", "--json"],
                          input="", capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent, env={**__import__("os").environ,
                                                                         "AISLE_NO_KEYRING": "1"})
    assert "history_retention_days = 0 is not allowed" in done.stderr and "Traceback" not in done.stderr
    assert done.returncode == 0


def test_the_staff_panel_writes_back_only_what_it_changed(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("# kiosk 4, by the door\nbrain = \"offline\"\ntheme = \"light\"\n")
    settings = load_settings({"data_dir": tmp_path}, environ={"AISLE_IDLE_TIMEOUT_S": "90"})
    panel = {"idle_timeout_s": 90, "theme": "dark", "large_text": False, "kiosk_lock": False, "hide_cursor": False}
    updated = save_settings(settings, panel)
    assert updated.theme == "dark" and updated.idle_timeout_s == 90
    text = (tmp_path / "settings.toml").read_text()
    assert text == "# kiosk 4, by the door\nbrain = \"offline\"\ntheme = \"dark\"\n"  # the env value is not frozen
    with pytest.raises(SettingsError, match="history_retention_days = 0 is not allowed"):
        save_settings(updated, {"history_retention_days": 0})
    assert (tmp_path / "settings.toml").read_text() == text


def test_save_settings_round_trip(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path}, environ={})
    updated = save_settings(settings, {"history_retention_days": 3, "large_text": True, "store_name": 'Say "hi"'})
    assert updated.history_retention_days == 3 and updated.large_text is True
    again = load_settings({"data_dir": tmp_path}, environ={})
    assert (again.history_retention_days, again.large_text, again.store_name) == (3, True, 'Say "hi"')
    assert isinstance(again, Settings)


def test_secrets_come_from_the_environment_and_are_not_settings(tmp_path: Path) -> None:
    env = {"OPENAI_API_KEY": " sk-test-SECRET ", "AISLE_NO_KEYRING": "1", "AISLE_API_TOKEN": "tok-XYZ-123"}
    assert get_secret("OPENAI_API_KEY", env) == "sk-test-SECRET"
    assert get_secret("AZURE_OPENAI_API_KEY", env) is None
    assert describe("OPENAI_API_KEY", env) == "set" and describe("AZURE_SPEECH_KEY", env) == "not set"
    settings = load_settings({"data_dir": tmp_path}, environ=env)
    assert "sk-test-SECRET" not in repr(settings) and "tok-XYZ-123" not in repr(settings)
