"""Start-up refuses a wrong setting with a message that names the variable."""

import os
import subprocess
import sys

import pytest

from portal.lib.env import database_from_url, email_from_url


def start(tmp_path, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "EMAIL_URL",
            "SMS_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "DEBUG",
            "PYTEST_VERSION",
            "PUBLIC_URL",
            "BATCH_MAX_ROWS",
        }
    }
    environment.update(VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "portal", "check"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "variable, value",
    [
        ("DATABASE_URL", "mysql://localhost/x"),
        ("EMAIL_URL", "carrier-pigeon://coop"),
        ("SMS_URL", "ftp://gateway"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("DEBUG", "perhaps"),
        ("PUBLIC_URL", "portal.example.com"),
        ("BATCH_MAX_ROWS", "lots"),
    ],
)
def test_it_refuses_to_start_with_a_wrong_value(tmp_path, variable, value):
    result = start(tmp_path, **{variable: value, "SECRET_KEY": "k" * 50})
    assert result.returncode != 0
    assert variable in result.stderr


def test_it_needs_a_secret_key_when_debug_is_off_outside_the_embedded_default(tmp_path):
    result = start(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_the_embedded_default_starts_with_nothing_set(tmp_path):
    result = start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists()


def test_it_reads_a_postgresql_url():
    db = database_from_url(
        "DATABASE_URL",
        "postgres://app:s%40cret@db.internal:5433/portal?sslmode=require",
        sqlite_default="x",
    )
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "portal",
        "app",
        "s@cret",
        "db.internal",
        "5433",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_it_reads_an_smtp_url():
    mail = email_from_url(
        "EMAIL_URL", "smtp://user:pw@mail.example.com:587?tls=1", file_default="x"
    )
    assert mail["EMAIL_HOST"] == "mail.example.com"
    assert mail["EMAIL_PORT"] == 587
    assert mail["EMAIL_USE_TLS"] is True
    assert mail["EMAIL_HOST_USER"] == "user"
