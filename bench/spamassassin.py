"""SpamAssassin's score of the default invitation in each language: `python bench/spamassassin.py`.

On a fresh SQLite database (a temporary VAR_DIR) it sends one default invitation per language, as
an organization configured like a bank would (its sender name and address, its Reply-To, DKIM
signing with a throw-away key), to a local aiosmtpd server, and pipes each message as received to
`spamassassin --local --test-mode` (offline rules: no DNS or network tests; Debian's package
`spamassassin`). Prints each score and the rules that fired; exits 1 when a score is 1.0 or more.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LIMIT = 1.0


class Inbox:
    def __init__(self):
        self.raw: list[bytes] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.raw.append(envelope.original_content)
        return "250 OK"


def main() -> int:
    if not shutil.which("spamassassin"):
        print("spamassassin is not installed: apt-get install spamassassin", file=sys.stderr)
        return 2
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    var = tempfile.mkdtemp(prefix="ml-bench-spam-")
    key = Path(var) / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    os.environ.update(
        {
            "VAR_DIR": var,
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PUBLIC_URL": "https://multiline.bank.example",
            "SENDER_DOMAINS": "bank.example",
            "DKIM_KEY_FILE": str(key),
            "DKIM_DOMAIN": "bank.example",
            "LOG_LEVEL": "ERROR",
        }
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command

    from portal.accounts.services import account_add
    from portal.invitations import content, services
    from portal.numbers.services import numbers_add
    from portal.organizations.services import organization_create, organization_update

    call_command("migrate", verbosity=0)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    org = organization_create(
        actor=None, name="Example Bank", slug="example-bank", features=["voice_calling"]
    )
    organization_update(
        actor=None,
        organization=org,
        sender_name="Example Bank IT",
        sender_email="onboarding@bank.example",
        reply_to="servicedesk@bank.example",
    )
    numbers_add(actor=None, organization=org, values=[f"+4479111234{i:02d}" for i in range(10)])
    names = {
        "en": ("Grace", "Hopper"),
        "it": ("Giulia", "Rossi"),
        "de": ("Jürgen", "Müller"),
        "fr": ("Élodie", "Martin"),
        "es": ("Lucía", "García"),
    }
    scores = {}
    for language in content.LANGUAGES:
        first, last = names[language]
        account = account_add(
            actor=None,
            organization=org,
            invite=True,
            data={
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}.{language}@bank.example",
                "language": language,
            },
        )
        services.deliver_invitations(invitation_ids=[account.invitations.get().pk])
        deadline = time.monotonic() + 10
        while len(inbox.raw) < len(scores) + 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        checked = subprocess.run(
            ["spamassassin", "--local", "--test-mode"],
            input=inbox.raw[-1],
            capture_output=True,
            check=False,
        ).stdout.decode("utf-8", "replace")
        status = re.search(
            r"^X-Spam-Status: .*?score=(-?[\d.]+).*?tests=(.*?)(?:autolearn|version)",
            checked,
            re.M | re.S,
        )
        score, tests = float(status.group(1)), " ".join(status.group(2).split()).rstrip(",")
        scores[language] = score
        print(f"{language}: score {score:+.1f}  ({tests})")
    controller.stop()
    worst = max(scores.values())
    print(f"worst {worst:+.1f}; limit {LIMIT:.1f}: {'ok' if worst < LIMIT else 'TOO HIGH'}")
    return 0 if worst < LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
