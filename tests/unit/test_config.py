"""Configuration errors name the file, the source and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenure.config import load_settings, secret_from_env
from tenure.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tenure.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_hr_source_paths_resolve_relative_to_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sources]]\nname = "hr"\ntype = "hr-csv"\npath = "people.csv"\n')
    settings = load_settings(path, env={})
    source = settings.source("hr")
    assert source.resolve_path(source.path) == tmp_path / "people.csv"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "expected"), [
    ('[[sources]]\nname = "hr"\ntype = "hr-csv"\npth = "x.csv"\n',
     "source 'hr': field 'path'"),
    ('[[sources]]\nname = "hr"\ntype = "hr-csv"\npath = "x.csv"\ncolour = 1\n',
     "source 'hr': field 'colour': Extra inputs are not permitted"),
    ('[[sources]]\nname = "hr"\ntype = "workday"\n', "source 'hr': field 'type': unknown source"),
    ('[[sources]]\nname = "Bad Name"\ntype = "hr-csv"\npath = "x"\n', "field 'name'"),
    ('[[sources]]\nname = "hr"\n', "source 'hr': field 'type': is required"),
    ('[[sources]]\nname = "a"\ntype = "hr-csv"\npath = "x"\n'
     '[[sources]]\nname = "a"\ntype = "hr-csv"\npath = "y"\n', "duplicate source name"),
    ("[databse]\nurl = 'x'\n", "field 'databse'"),
    ("log_level = 'LOUD'\n", "field 'log_level'"),
    ("[[sources]\n", "invalid TOML"),
])
def test_invalid_config_names_file_source_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.toml", env={})


def test_database_url_comes_from_the_environment_first(tmp_path: Path) -> None:
    path = write(tmp_path, "[database]\nurl = 'sqlite:///file.db'\n")
    assert load_settings(path, env={}).database.url == "sqlite:///file.db"
    env = {"TENURE_DATABASE_URL": "postgresql://u@h/db"}
    assert load_settings(path, env=env).database.url == "postgresql://u@h/db"


def test_config_path_falls_back_to_env_then_cwd(tmp_path: Path) -> None:
    path = write(tmp_path, "log_level = 'INFO'\n")
    assert load_settings(None, env={"TENURE_CONFIG": str(path)}).log_level == "INFO"


def test_secret_from_env_names_the_variable_never_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sources]]\nname = "hr"\ntype = "hr-csv"\npath = "x.csv"\n')
    source = load_settings(path, env={}).source("hr")
    with pytest.raises(ConfigError) as info:
        secret_from_env(source, "api_key_env", "ANTHROPIC_ADMIN_KEY", env={})
    assert "ANTHROPIC_ADMIN_KEY is not set" in str(info.value)
    assert "source 'hr'" in str(info.value)
    assert secret_from_env(source, "api_key_env", "K", env={"K": "v"}) == "v"
