"""`multiline issue-token USERNAME [--expires-in-days N]`: a new API bearer token for an admin;
prints only the token. Recorded as issued by whoever runs it (`--as`, else the OS user), never by
USERNAME; with `--as`, that admin's rules apply (its own token, or a service admin's)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal.access.services import token_issue
from portal.audit.services import acting_user, via
from portal.lib.errors import DomainError


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (only the token, for scripts)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="cli", help="What the token is for (shown in the portal)."
        )
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=None,
            dest="expires_in_days",
            help="Days until it stops working (default API_TOKEN_DEFAULT_DAYS, 90; "
            "at most API_TOKEN_MAX_DAYS, 365).",
        )

    def handle(self, *args, username, name, expires_in_days=None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No admin named “{username}”.")
        if not (user.is_superuser or hasattr(user, "admin")):
            raise CommandError(f"“{username}” is not a portal admin (no role, not an operator).")
        try:
            with via(
                "cli"
            ):  # Issued by whoever runs the command (--as, else the OS user), not by `user`.
                _token, raw = token_issue(
                    actor=acting_user(), user=user, name=name, expires_in_days=expires_in_days
                )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(raw)
