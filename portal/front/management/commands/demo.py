"""`multiline demo [--if-empty]`: demo data to try the
portal with. Running it twice changes nothing.

An operator `operator`, two organizations (Acme Bank with a sub-organization, Globex Insurance),
roles, an admin per organization, permission groups, 200 numbers in mixed statuses with tags, and
a few accounts. When no user exists yet, every demo login gets the password DEMO_PASSWORD;
otherwise a new demo login gets a random password, printed once.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.access.models import AdminProfile, Privilege, Role
from portal.access.services import admin_create, role_save
from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.audit.services import acting_user, via
from portal.invitations.services import account_activate, account_invite
from portal.numbers.models import Number
from portal.numbers.services import numbers_add, numbers_reserve, numbers_tag
from portal.organizations.models import Organization
from portal.organizations.services import organization_create
from portal.permissions.models import PermissionGroup
from portal.permissions.services import permission_group_create
from portal.signin.models import PasswordState

DEMO_PASSWORD = "multiline-demo"

ORGANIZATIONS = [
    # slug, name, parent, features
    (
        "acme-bank",
        "Acme Bank",
        None,
        ["voice_calling", "sms", "social_messaging", "call_recording", "sms_recording"],
    ),
    ("acme-retail", "Acme Bank Retail", "acme-bank", ["voice_calling", "sms", "social_messaging"]),
    ("globex", "Globex Insurance", None, ["voice_calling", "sms", "smtp_data_offload"]),
]
ROLES = {
    "Full admin": list(Privilege.values),
    "Accounts admin": [
        Privilege.ACCOUNTS,
        Privilege.ACCOUNTS_BULK,
        Privilege.NUMBERS,
        Privilege.REPORTS,
    ],
    "Read-only": [Privilege.REPORTS],
}
ADMINS = [("acme-admin", "Full admin", "acme-bank"), ("globex-admin", "Full admin", "globex")]
GROUPS = [
    ("acme-bank", "default cos for org 2000", True),
    ("acme-bank", "Executives", False),
    ("globex", "Claims team", False),
]
# (organization or None for the pool, first number, count); 200 numbers in all.
NUMBERS = [
    ("acme-bank", "+12125551000", 90),
    ("acme-retail", "+12125552000", 30),
    ("globex", "+442079461000", 60),
    (None, "+33142685000", 20),
]
ACCOUNTS = [
    (
        "acme-bank",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada.lovelace@acme-bank.example",
            "multiline_number": "+12125551000",
            "social_messaging": True,
            "monitor_calls": "auto",
        },
    ),
    (
        "acme-bank",
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace.hopper@acme-bank.example",
            "number_tag": "PORTED",
            "language": "English",
        },
    ),
    ("acme-bank", {"first_name": "Alan", "last_name": "Turing", "email": "+447911123456"}),
    (
        "acme-bank",
        {
            "first_name": "Katherine",
            "last_name": "Johnson",
            "email": "k.johnson@acme-bank.example",
            "multiline_number": "+12125551001",
            "monitor_sms": "on",
        },
    ),
    (
        "acme-retail",
        {
            "first_name": "Margaret",
            "last_name": "Hamilton",
            "email": "m.hamilton@acme-bank.example",
            "multiline_number": "+12125552000",
        },
    ),
    (
        "globex",
        {
            "first_name": "Hedy",
            "last_name": "Lamarr",
            "email": "hedy.lamarr@globex.example",
            "multiline_number": "+442079461000",
            "language": "German",
        },
    ),
    (
        "globex",
        {"first_name": "Rosalind", "last_name": "Franklin", "email": "r.franklin@globex.example"},
    ),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent). --if-empty: only when there is no organization yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when organizations exist."
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Organization.objects.exists():
            self.stdout.write("Organizations exist already: demo data not loaded.")
            self._print_logins()
            return
        User = get_user_model()
        fresh = not User.objects.exists()
        self.passwords: dict[str, str] = {}
        with via("cli"), transaction.atomic():
            self._operator(User, fresh)
            # Written by whoever runs it (--as USERNAME, else the OS user), as the audit log shows.
            actor = acting_user()
            orgs = self._organizations(actor)
            roles = {
                name: Role.objects.filter(name=name).first()
                or role_save(actor=actor, name=name, privileges=privileges)
                for name, privileges in ROLES.items()
            }
            for username, role, slug in ADMINS:
                if not User.objects.filter(username=username).exists():
                    password = DEMO_PASSWORD if fresh else secrets.token_urlsafe(12)
                    admin = admin_create(
                        actor=actor,
                        username=username,
                        email=f"{username}@example.com",
                        password=password,
                        role=roles[role],
                        organizations=[orgs[slug]],
                    )
                    # Demo logins keep the printed password (docs/security.md "Sign-in and
                    # sessions").
                    PasswordState.objects.filter(user=admin).update(must_change=False)
                    self.passwords[username] = password
            for slug, name, default in GROUPS:
                if not PermissionGroup.objects.filter(organization=orgs[slug], name=name).exists():
                    permission_group_create(
                        actor=actor, organization=orgs[slug], name=name, default=default
                    )
            self._numbers(actor, orgs)
            self._accounts(actor, orgs)
        self._report(User)

    def _operator(self, User, fresh):
        operator = User.objects.filter(username="operator").first()
        if operator is None:
            password = DEMO_PASSWORD if fresh else secrets.token_urlsafe(12)
            operator = User.objects.create_superuser("operator", "operator@example.com", password)
            self.passwords["operator"] = password
        return operator

    def _organizations(self, actor):
        orgs: dict[str, Organization] = {}
        for slug, name, parent, features in ORGANIZATIONS:
            org = Organization.objects.filter(slug=slug).first()
            if org is None:
                org = organization_create(
                    actor=actor,
                    name=name,
                    slug=slug,
                    parent=orgs[parent] if parent else None,
                    features=features,
                )
            orgs[slug] = org
        return orgs

    def _numbers(self, actor, orgs):
        for slug, first, count in NUMBERS:
            start = int(first[1:])
            values = [f"+{start + i}" for i in range(count)]
            organization = orgs[slug] if slug else None
            if Number.objects.filter(e164__in=values).count() == count:
                continue
            numbers_add(actor=actor, organization=organization, values=values)
            numbers = list(Number.objects.filter(e164__in=values).order_by("e164"))
            # Every tenth number was ported in; a few are VIP numbers set aside for named people.
            numbers_tag(actor=actor, numbers=numbers[5::10], tags=["PORTED"])
            numbers_tag(actor=actor, numbers=numbers[7::15], tags=["VIP"])
            numbers_reserve(actor=actor, numbers=numbers[7::15], reserved_for="Board members")
            numbers_reserve(
                actor=actor, numbers=numbers[5:10:10], reserved_for="Ported from the old PBX"
            )

    def _accounts(self, actor, orgs):
        for index, (slug, data) in enumerate(ACCOUNTS):
            contact = data["email"]
            if (
                Account.objects.filter(email__iexact=contact).exists()
                or Account.objects.filter(device_number=contact).exists()
            ):
                continue
            account = account_add(actor=actor, organization=orgs[slug], data=data)
            if index in (0, 5):  # Two users have activated MultiLine already.
                invitation = account_invite(actor=actor, account=account)
                account_activate(invitation=invitation)
            elif index in (3, 6):  # Two invitations are out.
                account_invite(actor=actor, account=account)

    def _report(self, User):
        counts = {
            "organizations": Organization.objects.count(),
            "admins": AdminProfile.objects.count(),
            "numbers": Number.objects.count(),
            "accounts": Account.objects.count(),
        }
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: " + ", ".join(f"{n} {what}" for what, n in counts.items()) + "."
            )
        )
        self._print_logins()

    def _print_logins(self):
        """The demo logins whose password is still the demo one (or was just set)."""
        User = get_user_model()
        passwords = getattr(self, "passwords", {})
        self.stdout.write(f"Log in at {settings.PUBLIC_URL}/login/")
        for username in ("operator", *[a[0] for a in ADMINS]):
            user = User.objects.filter(username=username).first()
            if (
                username not in passwords
                and user is not None
                and user.check_password(DEMO_PASSWORD)
            ):
                passwords[username] = DEMO_PASSWORD
            if username in passwords:
                self.stdout.write(f"  {username:<13} password: {passwords[username]}")
            elif User.objects.filter(username=username).exists():
                self.stdout.write(f"  {username:<13} (exists already; its password is unchanged)")
