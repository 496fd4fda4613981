from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fibonacco.config import ConfigurationError, load_settings
from fibonacco.devstack.addresses import (
    DatabaseAddress,
    DevStackAddresses,
    RedisAddress,
    this_process,
    write_addresses,
)


class TestSettings:
    def test_bad_variable_is_named(self) -> None:
        with pytest.raises(ConfigurationError) as error:
            load_settings(DB_PORT="not-a-port")
        assert "DB_PORT" in str(error.value)

    def test_placeholder_secrets_refused_outside_development(self) -> None:
        with pytest.raises(ConfigurationError) as error:
            load_settings(APP_ENV="production", APP_KEY="changeme", DB_HOST="db", DB_PASSWORD="")
        assert "APP_KEY" in str(error.value) and "DB_PASSWORD" in str(error.value)

    def test_real_secrets_accepted_in_production(self) -> None:
        settings = load_settings(APP_ENV="production", APP_KEY="k" * 40, DB_HOST="db", DB_PASSWORD="s3cr3t-value")
        assert settings.is_production()

    def test_placeholders_fine_in_development(self) -> None:
        assert load_settings(APP_ENV="development").is_development()

    def test_secrets_never_in_repr_or_errors(self) -> None:
        settings = load_settings(DB_PASSWORD="hunter2-secret", OPENAI_API_KEY="sk-very-secret")
        assert "hunter2-secret" not in repr(settings)
        assert "sk-very-secret" not in repr(settings)
        with pytest.raises(ConfigurationError) as error:
            load_settings(APP_ENV="production", APP_KEY="changeme", DB_HOST="db", DB_PASSWORD="null")
        assert "changeme" not in str(error.value)

    def test_plan_null_redis_password_means_none(self) -> None:
        settings = load_settings(REDIS_PASSWORD="null", REDIS_HOST="cache.local", REDIS_PORT=6379)
        assert settings.REDIS_PASSWORD is None
        assert settings.redis_url() == "redis://cache.local:6379/0"

    def test_database_url_quotes_the_password(self) -> None:
        settings = load_settings(DB_HOST="db", DB_PORT=5432, DB_PASSWORD="p@ss/w:rd%", DB_DATABASE="learning_center")
        url = settings.database_url()
        assert url.startswith("postgresql+asyncpg://postgres:") and url.endswith("@db:5432/learning_center")
        assert "p@ss/w:rd%" not in url


class TestEnvExample:
    def test_every_setting_is_documented(self) -> None:
        from pathlib import Path

        from fibonacco.config import PROJECT_ROOT, Settings

        text = (Path(PROJECT_ROOT) / ".env.example").read_text()
        documented = {line.lstrip("# ").split("=", 1)[0] for line in text.splitlines() if "=" in line}
        missing = set(Settings.model_fields) - documented
        assert not missing, f"add to .env.example: {sorted(missing)}"


class TestDotEnv:
    def test_values_come_from_a_dotenv_file_and_the_environment_wins(
        self, tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (tmp_dir / ".env").write_text("APP_NAME=From Dotenv\nMAIL_FROM_NAME=Dotenv Sender\n")
        monkeypatch.chdir(tmp_dir)
        monkeypatch.setenv("MAIL_FROM_NAME", "Environment Sender")
        settings = load_settings()
        assert settings.APP_NAME == "From Dotenv"
        assert settings.MAIL_FROM_NAME == "Environment Sender"


class TestLogFormat:
    def test_console_in_development_json_elsewhere_and_the_variable_wins(self) -> None:
        assert load_settings(APP_ENV="development").LOG_FORMAT == "console"
        assert load_settings(APP_ENV="staging", APP_KEY="k" * 40, DB_PASSWORD="s3cr3t-value").LOG_FORMAT == "json"
        assert load_settings(APP_ENV="development", LOG_FORMAT="json").LOG_FORMAT == "json"


def _write_stack(data_dir: Path, pid: int, started: float) -> None:
    write_addresses(
        data_dir,
        DevStackAddresses(
            pid,
            started,
            database=DatabaseAddress("127.0.0.1", 54001, "postgres", "stack_db"),
            redis=RedisAddress("127.0.0.1", 63001),
        ),
    )


class TestRunningDevStack:
    """A second terminal in development reads the running `fibonacco dev`'s addresses; set variables win."""

    @pytest.fixture(autouse=True)
    def a_new_terminal(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in ("DB_HOST", "DB_PORT", "DB_USERNAME", "DB_DATABASE", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"):
            monkeypatch.delenv(name, raising=False)

    def test_unset_hosts_take_the_stacks_addresses(self, tmp_dir: Path) -> None:
        _write_stack(tmp_dir, *this_process())
        settings = load_settings(APP_ENV="development", DATA_DIR=tmp_dir)
        assert settings.database_url().endswith("@127.0.0.1:54001/stack_db")
        assert settings.redis_url() == "redis://127.0.0.1:63001/0"

    def test_a_set_variable_wins(self, tmp_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        _write_stack(tmp_dir, *this_process())
        monkeypatch.setenv("DB_HOST", "db.example")
        settings = load_settings(APP_ENV="development", DATA_DIR=tmp_dir, DB_DATABASE="mine")
        assert settings.database_url().endswith("@db.example:5432/mine")  # nothing of the database from the file
        assert settings.redis_url() == "redis://127.0.0.1:63001/0"

    def test_a_stopped_stack_and_other_environments_are_ignored(self, tmp_dir: Path) -> None:
        dead = subprocess.Popen(["true"])
        dead.wait()
        _write_stack(tmp_dir, dead.pid, 0.0)
        assert load_settings(APP_ENV="development", DATA_DIR=tmp_dir).DB_HOST is None
        pid, started = this_process()
        _write_stack(tmp_dir, pid, started - 1)  # a live process that reused a dead stack's pid
        assert load_settings(APP_ENV="development", DATA_DIR=tmp_dir).DB_HOST is None
        _write_stack(tmp_dir, *this_process())
        assert load_settings(APP_ENV="testing", DATA_DIR=tmp_dir).DB_HOST is None
