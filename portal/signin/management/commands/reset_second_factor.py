"""`multiline [--as USERNAME] reset_second_factor NAME`: remove an admin's second factors (a lost
phone); the next sign-in enrols again where the organization requires one. Audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp import devices_for_user

from portal.audit import services as audit


class Command(BaseCommand):
    help = "Remove an admin's second factors (authenticator apps, email codes)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No admin named {username}.")
        devices = list(devices_for_user(user, confirmed=None))
        with audit.via("cli"):
            for device in devices:
                device.delete()
            audit.record(
                actor=audit.acting_user(),
                action="signin.second_factor_reset",
                target=user,
                data={"devices": len(devices)},
            )
        self.stdout.write(f"Removed {len(devices)} second factor(s) of {username}.")
