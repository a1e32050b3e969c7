"""`multiline`: Django's management commands and the portal's own, under one name."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and "-" in args[0] and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")  # `multiline import-accounts` runs the import_accounts command.
    execute_from_command_line(["multiline", *args])


if __name__ == "__main__":
    main()
