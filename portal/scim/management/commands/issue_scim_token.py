"""`multiline issue-scim-token ORGANIZATION_SLUG`: a SCIM token for one organization; prints only
the token. Issued by the admin of `multiline --as USERNAME`, else by the one operator."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import acting_user
from portal.lib.errors import DomainError
from portal.organizations.models import Organization
from portal.scim.services import scim_token_issue


def _issuer():
    user = acting_user()  # `multiline --as USERNAME`, the CLI's global option
    if user is not None:
        return user
    operators = list(get_user_model().objects.filter(is_superuser=True, is_active=True)[:2])
    if len(operators) != 1:
        raise CommandError(
            "Name the admin who issues the token: multiline --as USERNAME "
            "issue-scim-token ORGANIZATION_SLUG."
        )
    return operators[0]


class Command(BaseCommand):
    help = "Issue a SCIM token for ORGANIZATION_SLUG and print it (only the token, for scripts)."

    def add_arguments(self, parser):
        parser.add_argument("organization", metavar="ORGANIZATION_SLUG")
        parser.add_argument("--name", default="cli", help="Which identity provider uses it.")
        parser.add_argument(
            "--no-invite",
            action="store_true",
            help="Add users without inviting them (Save instead of Save & Invite).",
        )
        parser.add_argument("--expires-in-days", type=int, default=None)

    def handle(self, *args, organization, name, no_invite, expires_in_days, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization “{organization}”.")
        try:
            _token, raw = scim_token_issue(
                actor=_issuer(),
                organization=org,
                name=name,
                invite=not no_invite,
                expires_in_days=expires_in_days,
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(raw)
