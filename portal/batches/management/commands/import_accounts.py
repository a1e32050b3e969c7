"""`multiline import-accounts FILE --organization SLUG
--permission-group NAME [--invite] [--dry-run]`.

Runs the same checks and the same import as an upload, in this process, with a progress bar.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.access.models import Privilege
from portal.access.scoping import require_privilege, visible_organization_ids
from portal.audit.services import acting_user, via
from portal.batches import services
from portal.batches.models import Batch, BatchRow, RowResult
from portal.lib.errors import DomainError
from portal.organizations.models import Organization


class Command(BaseCommand):
    help = (
        "Import accounts from a CSV or .xlsx file into one organization and User Permissions group."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV (comma, semicolon or tab) or .xlsx file")
        parser.add_argument("--organization", help="Slug of the organization")
        parser.add_argument(
            "--permission-group",
            default="",
            help="Name of the User Permissions group (default: the organization's default)",
        )
        parser.add_argument("--invite", action="store_true", help="Import & Invite")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing")
        parser.add_argument(
            "--resume", type=int, metavar="BATCH_ID", help="Resume a stopped batch instead"
        )
        parser.add_argument(
            "--report", metavar="PATH", help="Also write the Batch Operations Report here"
        )

    def handle(self, *args, **options):
        try:
            with via("cli"):
                batch = self._start(options)
            batch = services.batch_run(batch_id=batch.pk, progress=self._progress)
        except DomainError as error:
            raise CommandError(error.message) from None
        if batch is None:
            raise CommandError(
                "The batch was taken by a worker meanwhile; follow it in the portal."
            )
        self._bar(batch, final=True)
        self._summary(batch, options.get("report"))
        if batch.status == "failed":
            raise CommandError(batch.error)

    def _start(self, options) -> Batch:
        actor = acting_user()  # `multiline --as USERNAME`: that admin's privileges and scope apply.
        if options["resume"]:
            batch = Batch.objects.filter(pk=options["resume"]).first()
            if batch is None:
                raise CommandError(f"There is no batch {options['resume']}.")
            if actor is not None:
                require_privilege(actor, Privilege.ACCOUNTS_BULK)
                if not _in_scope(actor, batch.organization_id):
                    raise CommandError(f"There is no batch {options['resume']}.")
            return services.batch_resume(actor=actor, batch=batch, enqueue=False)
        if not options["file"] or not options["organization"]:
            raise CommandError("Give FILE and --organization SLUG (and --permission-group NAME).")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if actor is not None:
            require_privilege(actor, Privilege.ACCOUNTS_BULK)
            if organization is not None and not _in_scope(actor, organization.pk):
                organization = None
        if organization is None:
            raise CommandError(
                f"There is no organization with the slug “{options['organization']}”."
            )
        self._started = time.monotonic()
        return services.batch_create(
            actor=actor,
            organization=organization,
            permission_group=options["permission_group"] or None,
            filename=path.name,
            data=path.read_bytes(),
            invite=options["invite"],
            dry_run=options["dry_run"],
            enqueue=False,
        )

    def _progress(self, batch: Batch) -> None:
        self._bar(batch)

    def _bar(self, batch: Batch, final: bool = False) -> None:
        width = 30
        done = int(width * batch.percent / 100)
        line = (
            f"\r[{'#' * done}{'.' * (width - done)}] {batch.percent:3d}%  "
            f"{batch.processed:,}/{batch.total:,} rows  {batch.succeeded:,} "
            f"{'valid' if batch.dry_run else 'imported'}, {batch.failed:,} failed"
        )
        stream = self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr
        stream.write(line + ("\n" if final else ""))
        stream.flush()

    def _summary(self, batch: Batch, report: str | None) -> None:
        elapsed = time.monotonic() - getattr(self, "_started", time.monotonic())
        self.stdout.write(
            (
                f"Batch {batch.pk} {batch.status}: {batch.total:,} rows, {batch.succeeded:,} "
                f"{'valid (dry run: nothing written)' if batch.dry_run else 'imported'}, "
                f"{batch.existing:,} existing, {batch.failed:,} failed"
            )
            + (f", {batch.invited:,} invitations queued" if batch.invite else "")
            + f" ({elapsed:.2f} s)."
        )
        for row in BatchRow.objects.filter(batch=batch, result=RowResult.FAILED).order_by("row")[
            :20
        ]:
            self.stdout.write(f"  row {row.row}: {row.reason}")
        if batch.failed > 20:
            self.stdout.write(f"  … and {batch.failed - 20:,} more: see the report.")
        if report:
            with open(report, "w", encoding="utf-8", newline="") as out:
                out.writelines(services.report_export(actor=acting_user(), batch=batch))
            self.stdout.write(f"Report written to {report}.")


def _in_scope(actor, organization_id: int) -> bool:
    ids = visible_organization_ids(actor)
    return ids is None or organization_id in ids
