from __future__ import annotations

from pathlib import Path

import pytest

from fibonacco.config import ConfigurationError, load_settings


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
