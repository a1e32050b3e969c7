"""`multiline check_alerts`: check every organization's lasting alerts now (e.g. from cron).

Threshold exceeded for invitations and number utilisation are also checked after each move,
suspension, reactivation and deletion; this catches changes made elsewhere. Each episode is alerted
once, however often this runs.
"""

from django.core.management.base import BaseCommand

from portal.alerts.services import check_organization
from portal.organizations.models import Organization


class Command(BaseCommand):
    help = "Check the invitation-threshold and number-utilisation alerts of every organization."

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Slug of one organization (default: all)")

    def handle(self, *args, organization=None, **options):
        organizations = Organization.objects.order_by("pk")
        if organization:
            organizations = organizations.filter(slug=organization)
        sent = 0
        for org in organizations.iterator():
            keys = check_organization(org)
            sent += len(keys)
            for key in keys:
                self.stdout.write(f"{org.slug}: sent {key}")
        self.stdout.write(f"{sent} alert(s) sent.")
