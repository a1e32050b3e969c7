"""`multiline`: Django's management commands and the portal's own, under one name.

A global option, `--as USERNAME`, names the admin a command acts for: its privileges and scope apply
and the audit log records it. Without it, what a command changes is recorded as the operating-system
user who ran it ("cli:root"), never as "system" nor as the admin the command acts on.
"""

from __future__ import annotations

import getpass
import os
import sys

# Commands that serve others' requests and tasks: each of those records its own actor.
SERVING = {"serve", "worker", "runserver", "db_worker", "rqworker", "rqscheduler"}


def take_as(args: list[str]) -> tuple[list[str], str | None]:
    """The arguments without `--as USERNAME` (or `--as=USERNAME`), and that username."""
    rest, username = [], None
    items = iter(args)
    for arg in items:
        if arg == "--as":
            username = next(items, "")
        elif arg.startswith("--as="):
            username = arg[len("--as=") :]
        else:
            rest.append(arg)
    return rest, username


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # No login name in this environment (a container without a passwd entry).
        return f"uid {os.getuid()}"


def _acting_user(username: str):
    from django.contrib.auth import get_user_model

    if not username.strip():
        sys.exit("multiline: --as needs a USERNAME.")
    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None:
        sys.exit(f"multiline: --as {username}: there is no admin with that username.")
    if not user.is_active:
        sys.exit(f"multiline: --as {username}: that admin is deactivated.")
    return user


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django
    from django.core.management import execute_from_command_line

    args, username = take_as(sys.argv[1:])
    if args and "-" in args[0] and not args[0].startswith("-"):
        args[0] = args[0].replace(
            "-", "_"
        )  # `multiline import-accounts` runs the import_accounts command.
    command = args[0] if args else ""
    if command in SERVING or command.startswith("-") or command in ("", "help"):
        if username is not None:
            sys.exit(
                "multiline: --as applies to commands that change data, not to "
                f"“{command or 'help'}”."
            )
        execute_from_command_line(["multiline", *args])
        return
    django.setup()
    from portal.audit.services import acting, via  # after django.setup(): it reaches the models

    user = _acting_user(username) if username is not None else None
    with via("cli"), acting(user=user, label=f"cli:{os_user()}"):
        execute_from_command_line(["multiline", *args])


if __name__ == "__main__":
    main()
