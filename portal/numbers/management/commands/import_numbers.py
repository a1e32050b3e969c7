"""`multiline import-numbers FILE --organization SLUG [--tag T] [--reserved]`.

Adds the numbers of a CSV/XLSX file (one per line, or a "number" column) to an organization's
inventory, or to the operator pool with `--organization pool`. Prints each problem and a summary.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import acting_user, via
from portal.lib.errors import DomainError
from portal.numbers.files import read_numbers
from portal.numbers.models import NumberStatus
from portal.numbers.services import numbers_add, summary
from portal.organizations.models import Organization


class Command(BaseCommand):
    help = "Add the numbers of FILE to an organization's inventory (or the operator pool)."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="CSV or XLSX: one number per line, or a column headed “number”"
        )
        parser.add_argument(
            "--organization",
            required=True,
            help="Organization slug, or “pool” for the operator pool",
        )
        parser.add_argument(
            "--tag",
            action="append",
            default=[],
            help="Tag the new numbers (repeatable), e.g. PORTED",
        )
        parser.add_argument(
            "--reserved", action="store_true", help="Add them as reserved instead of available"
        )

    def handle(self, *args, file, organization, tag, reserved, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if organization == "pool":
            org = None
        else:
            org = Organization.objects.filter(slug=organization).first()
            if org is None:
                raise CommandError(f"No organization with the slug “{organization}”.")
        try:
            values = read_numbers(path.read_bytes(), path.name)
            with via("cli"):
                results = numbers_add(
                    actor=acting_user(),
                    organization=org,
                    values=values,
                    tags=tag,
                    status=NumberStatus.RESERVED if reserved else NumberStatus.AVAILABLE,
                )
        except DomainError as error:
            raise CommandError(error.message) from None
        for result in results:
            if result.result != "added":
                self.stdout.write(f"{result.value}: {result.result} — {result.reason}")
        counts = summary(results)
        where = org.name if org else "the operator pool"
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts.get('added', 0)} added to {where}; {counts.get('exists', 0)} already in "
                f"the inventory; {counts.get('invalid', 0)} invalid; {counts.get('skipped', 0)} "
                "listed twice."
            )
        )
