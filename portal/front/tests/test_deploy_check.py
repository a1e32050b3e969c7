"""`multiline check --deploy` is clean under the production settings of docs/running.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[3] / "docs" / "running.md"


def documented_production_settings() -> dict[str, str]:
    block = re.search(r"```sh\n# production settings\n(.*?)```", DOCS.read_text(), re.S)
    assert block, "docs/running.md has no '# production settings' block"
    pairs = [line.split("=", 1) for line in block.group(1).splitlines() if "=" in line]
    return {name.strip(): value.strip() for name, value in pairs}


def deploy_check(tmp_path, settings: dict[str, str]):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "EMAIL_", "SMS_", "REDIS_", "SECRET_", "SECURE_"))
        and k
        not in {
            "DEBUG",
            "PYTEST_VERSION",
            "PUBLIC_URL",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(VAR_DIR=str(tmp_path), **settings)
    return subprocess.run(
        [sys.executable, "-m", "portal", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_documented_production_settings_pass_the_deploy_check(tmp_path):
    settings = documented_production_settings()
    assert settings["DEBUG"] == "false" and settings["PUBLIC_URL"].startswith("https://")
    result = deploy_check(tmp_path, settings)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_complains_without_https(tmp_path):
    settings = {**documented_production_settings(), "PUBLIC_URL": "http://portal.example.com"}
    result = deploy_check(tmp_path, settings)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr
