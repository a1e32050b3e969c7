"""The embedded default keeps var/ to itself: files 0600, folders 0700."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

SCRIPT = """
from portal.accounts.services import account_add
from portal.invitations.services import deliver_invitations
from portal.lib.sms import send_sms
from portal.numbers.services import numbers_add
from portal.organizations.services import organization_create
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

org = organization_create(actor=None, name="Org A", slug="org-a", features=["voice_calling", "sms"])
numbers_add(actor=None, organization=org, values=["+447911123456"])
account = account_add(actor=None, organization=org, data={"email": "ann@example.com"}, invite=True)
deliver_invitations(invitation_ids=[account.invitations.get().pk])
send_sms(to="+447911123457", text="Your MultiLine code")
default_storage.save("uploads/team.csv", ContentFile(b"email\\nann@example.com\\n"))
"""


def modes(folder):
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            found[os.path.relpath(path, folder)] = stat.S_IMODE(os.stat(path).st_mode)
    return found


def test_the_database_mail_sms_uploads_and_key_are_private(tmp_path):
    var = tmp_path / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SMS_URL", "SECRET_KEY", "PYTEST_VERSION"}
    }
    env["VAR_DIR"] = str(var)
    previous = os.umask(0o022)  # a usual login shell's: the portal must not rely on the caller's
    try:
        for command in (["migrate", "--no-input", "-v", "0"], ["shell", "-c", SCRIPT]):
            subprocess.run(
                [sys.executable, "-m", "portal", *command],
                env=env,
                check=True,
                timeout=240,
                capture_output=True,
            )
    finally:
        os.umask(previous)
    found = modes(var)
    assert {"portal.sqlite3", "secret_key", "mail", "sms", "media"} <= set(found)
    assert any(name.endswith(".eml") for name in found) and any(n.startswith("sms/") for n in found)
    assert "media/uploads/team.csv" in found
    wrong = {
        name: oct(mode)
        for name, mode in found.items()
        if mode != (0o700 if os.path.isdir(var / name) else 0o600)
    }
    assert wrong == {}
    assert stat.S_IMODE(os.stat(var).st_mode) == 0o700
