from django.core.management.base import BaseCommand

from portal.invitations.services import invitations_requeue_stale


class Command(BaseCommand):
    help = (
        "Queue again the invitations a crashed worker left queued or half-sent "
        "(`multiline worker` does this when it starts)."
    )

    def handle(self, **options):
        count = invitations_requeue_stale()
        self.stdout.write(f"{count} invitation(s) queued again.")
