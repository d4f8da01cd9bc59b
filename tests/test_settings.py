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


def test_bad_values_say_which_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="brain must be one of"):
        load_settings({"data_dir": tmp_path, "brain": "psychic"}, environ={})
    with pytest.raises(SettingsError, match="environment"):
        load_settings({"data_dir": tmp_path}, environ={"AISLE_KIOSK_LOCK": "maybe"})
    (tmp_path / "settings.toml").write_text("this is = = not toml")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings({"data_dir": tmp_path}, environ={})


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
