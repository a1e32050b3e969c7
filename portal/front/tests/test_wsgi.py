"""The web processes keep what startup made out of the garbage collector's sight (portal/wsgi.py):
a full collection walked its ~130,000 objects in the middle of whichever request was running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_web_application_loads_its_views_and_freezes_what_startup_made(tmp_path):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_SETTINGS"))
    }
    environment["VAR_DIR"] = str(tmp_path)
    script = (
        "import gc, sys\n"
        "import portal.wsgi\n"
        "print(gc.get_freeze_count(), len(gc.get_objects()),"
        " 'portal.accounts.views' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    frozen, tracked, views_loaded = done.stdout.split()
    assert views_loaded == "True"  # the URLconf was loaded before the freeze, not at a request
    assert int(frozen) > 50_000 and int(tracked) < int(frozen) / 10
