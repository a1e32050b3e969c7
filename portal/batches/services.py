"""Batch CSV import of accounts: upload, run (in chunks, resumable), report, notification."""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts import columns
from portal.accounts.bulk import EXISTS, FAILED, IMPORTED, VALID, Inviting, accounts_add_many
from portal.accounts.outcomes import InvitationOutcome
from portal.accounts.services import resolve_permission_group
from portal.audit import services as audit
from portal.batches.models import Batch, BatchRow
from portal.invitations.models import Invitation
from portal.invitations.services import accounts_invitation_refusals, accounts_queue_invitations
from portal.jobs import runner
from portal.jobs.models import JobStatus, JobUpload
from portal.jobs.runner import RunLost
from portal.lib import events, heartbeat
from portal.lib.bulkinsert import insert_rows
from portal.lib.chunks import chunks
from portal.lib.csvexport import csv_lines, csv_text
from portal.lib.csvfile import FileTooLarge, Table, canonical, open_table
from portal.lib.errors import Conflict
from portal.lib.tasks import is_transient

log = logging.getLogger(__name__)

# Every header a file may use for a column (portal.accounts.columns), as the reader matches it.
ALIASES = {canonical(header): name for header, name in columns.headers().items()}
# After the uploaded row's own columns (which may have a multiline_number of their own): the
# outcome, the number the account holds, and its invitation as it is when the report is read.
REPORT_COLUMNS = ["row", "result", "reason", "account_id", "assigned_number", "invitation"]
# Import & Invite invites the rows' accounts with these (accounts is below invitations).
INVITING = Inviting(refusals=accounts_invitation_refusals, queue=accounts_queue_invitations)


# ---------------------------------------------------------------- the template


def template_columns(organization) -> list[str]:
    """The CSV template's columns: the declared ones the organization has (accounts.columns)."""
    return [c.name for c in columns.template_columns(organization)]


def template_note(organization, permission_group) -> str:
    shown = columns.template_columns(organization)
    mandatory = ", ".join(c.note for c in shown if c.required)
    optional = ", ".join(c.note for c in shown if not c.required)
    which = (
        f"template for {organization} (User Permissions “{permission_group}”) - choose the same "
        "organization and User Permissions when you upload"
        if organization is not None
        else (
            "template for any organization - choose the organization and User Permissions when "
            "you upload; a column of a feature the organization does not have must stay empty"
        )
    )
    return (
        f"Note: {which}. One row per account. "
        f"Mandatory: {mandatory}. Optional: {optional}. At most {settings.BATCH_MAX_ROWS:,} rows. "
        "Delete this Note row before uploading."
    )


def template_csv(*, organization, permission_group) -> str:
    group = (
        resolve_permission_group(organization, permission_group)
        if organization is not None
        else None
    )
    columns = template_columns(organization)
    note = [template_note(organization, group)] + [""] * (len(columns) - 1)
    return csv_text([note], header=columns)


def template_filename(organization, permission_group) -> str:
    if organization is None:
        return "accounts-template.csv"
    name = "".join(ch if ch.isalnum() else "-" for ch in str(permission_group)).strip("-").lower()
    return f"accounts-{organization.slug}-{name or 'default'}.csv"


# ---------------------------------------------------------------- upload


def read_upload(*, data: bytes, filename: str, max_rows: int | None = None) -> Table:
    """The whole-file checks; FileRefused says what to fix."""
    return open_table(
        data,
        filename,
        aliases=ALIASES,
        required=columns.REQUIRED,
        max_rows=max_rows or settings.BATCH_MAX_ROWS,
        max_bytes=settings.BATCH_MAX_BYTES,
    )


def upload_bytes(uploaded, filename: str) -> bytes:
    """The content of an uploaded file, refused by its size before it is read into memory."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > settings.BATCH_MAX_BYTES:
        raise FileTooLarge(size=size, limit=settings.BATCH_MAX_BYTES, filename=filename)
    return uploaded.read(settings.BATCH_MAX_BYTES + 1)


def batch_create(
    *,
    actor,
    organization,
    permission_group,
    filename: str,
    data: bytes,
    invite: bool = False,
    dry_run: bool = False,
    enqueue: bool = True,
) -> Batch:
    """Check the file as a whole, store it, and queue its import (after commit)."""
    group = resolve_permission_group(organization, permission_group)
    filename = (filename or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1][:255]
    table = read_upload(data=data, filename=filename)
    with transaction.atomic():
        batch = Batch.objects.create(
            organization=organization,
            permission_group=group,
            created_by=actor if actor is not None and actor.pk else None,
            filename=filename,
            upload=JobUpload.of(filename=filename, data=data),
            invite=invite and not dry_run,
            dry_run=dry_run,
            total=table.rows,
        )
        audit.record(
            actor=actor,
            action="batch.upload",
            target=batch,
            organization=organization,
            batch_id=batch.pk,
            data={
                "file": filename,
                "rows": table.rows,
                "format": table.description,
                "permission_group": group.name,
                "invite": batch.invite,
                "dry_run": dry_run,
            },
        )
        if enqueue:
            BATCHES.enqueue_on_commit(batch.pk)
    return batch


# ---------------------------------------------------------------- running


@contextmanager
def _gc_paused():
    """The import allocates many short-lived objects; the
    collector would cost 40-60 % at 100k rows."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def batch_run(*, batch_id: int, progress: Callable[[Batch], None] | None = None) -> Batch | None:
    """Run a queued batch: chunks of BATCH_CHUNK_ROWS rows, each committed with its rows' results.

    A crash loses at most the chunk in flight (rolled back as a whole); the run continues after
    the last committed row when the batch is queued again: at once after a transient database
    failure (a dropped connection, a deadlock, a long lock), by the sweep when its worker died
    (portal.jobs.sweep), or by Resume. Each run has a number; a chunk commits only while its run is
    the batch's last, so two runs never write the same batch.
    """
    claimed = runner.claim(Batch, batch_id)
    if claimed is None:
        return None  # Already taken by another worker, or finished.
    run = claimed.number
    batch = Batch.objects.select_related("organization", "permission_group", "created_by").get(
        pk=batch_id
    )
    try:
        # In English whatever language a previous request left active in this thread (the
        # embedded default runs tasks in-process): the report's and the summary's stored words.
        with (
            translation.override(settings.LANGUAGE_CODE),
            _gc_paused(),
            audit.via("batch"),
            heartbeat.hold(Batch, [batch_id]),
        ):
            _run(batch, progress, run)
    except RunLost:
        log.warning("batch %s: run %s stopped, a later run has it", batch_id, run)
        return None
    except Exception as error:  # Marked failed with what was done; the worker logs the trace.
        if is_transient(error) and claimed.retry_soon(BATCHES, error):
            return None
        log.exception("batch %s failed", batch_id)
        with translation.override(settings.LANGUAGE_CODE):
            return _stop(batch, str(error), run=run)
    return batch  # as its finish left it (`_run` read it back in that transaction)


def _stop(batch: Batch, reason: str, *, run: int | None = None) -> Batch:
    """Mark a batch failed with what was done and how to go on (Resume accepts it)."""
    _recount(batch)
    batch.refresh_from_db()
    last = (
        BatchRow.objects.filter(batch=batch).order_by("-row").values_list("row", flat=True).first()
    )
    message = (
        f"Stopped {'after row ' + str(last) if last else 'before the first row'}: {reason}. "
        f"{batch.processed:,} of {batch.total:,} rows were handled ({batch.succeeded:,} "
        f"{'valid' if batch.dry_run else 'imported'}, {batch.failed:,} failed, {batch.existing:,} "
        "existing); "
        "they stay as they are. Resume the batch, or upload the same file again: rows already "
        "imported are reported as existing."
    )
    with transaction.atomic():
        if runner.mark_failed(Batch, batch.pk, message, run=run):
            batch.refresh_from_db()
            _after_finish(batch)
    batch.refresh_from_db()
    return batch


def _fence(batch_id: int, run: int) -> None:
    """At the start of each chunk's transaction: this run still has the batch,
    and keeps it until the chunk commits (portal.jobs.runner.Run.fence)."""
    runner.Run(Batch, batch_id, run).fence()


PROGRESS_EVERY = 1.0  # seconds between two writes of a running batch's counters and heartbeat


def _counts(outcomes) -> Counter:
    return Counter(
        processed=len(outcomes),
        succeeded=sum(o.result in (IMPORTED, VALID) for o in outcomes),
        failed=sum(o.result == FAILED for o in outcomes),
        existing=sum(o.result == EXISTS for o in outcomes),
        invited=sum(o.invitation_outcome == InvitationOutcome.QUEUED for o in outcomes),
    )


def _recount(batch: Batch) -> None:
    """Set the batch's counters from its committed per-row results (after a crash or a resume)."""
    from django.db.models import Count, Q

    totals = BatchRow.objects.filter(batch=batch).aggregate(
        processed=Count("pk"),
        succeeded=Count("pk", filter=Q(result__in=(IMPORTED, VALID))),
        failed=Count("pk", filter=Q(result=FAILED)),
        existing=Count("pk", filter=Q(result=EXISTS)),
        invited=Count("pk", filter=Q(invitation_outcome=InvitationOutcome.QUEUED)),
    )
    Batch.objects.filter(pk=batch.pk).update(**totals)


def _run(batch: Batch, progress, run: int) -> None:
    content = JobUpload.read(batch.upload_id)
    # Checked whole at upload: only its format and header are read again; its rows then stream.
    table = open_table(
        content,
        batch.filename,
        aliases=ALIASES,
        required=columns.REQUIRED,
        max_rows=max(batch.total, settings.BATCH_MAX_ROWS),
        max_bytes=max(len(content), 1),
        rows=batch.total,
    )
    del content
    # Chunks are committed whole and in the file's order: a resumed run continues after the last
    # row with a result (nothing per row is kept for that).
    done = (
        BatchRow.objects.filter(batch=batch).order_by("-row").values_list("row", flat=True).first()
        or 0
    )
    if done:
        _recount(
            batch
        )  # The counters of chunks committed before a crash may not have been written.
        batch.refresh_from_db(fields=["processed", "succeeded", "failed", "existing", "invited"])
    seen: dict = {}
    actor = batch.created_by
    size = settings.BATCH_CHUNK_ROWS
    records = (r for r in table.records() if r.row > done)
    pending = Counter()
    flushed = time.monotonic()
    pieces = chunks(records, size)
    chunk = next(pieces, None)
    while chunk is not None:
        following = next(pieces, None)
        with transaction.atomic():
            _fence(batch.pk, run)
            outcomes = accounts_add_many(
                actor=actor,
                organization=batch.organization,
                permission_group=batch.permission_group,
                rows=[(r.row, r.values) for r in chunk],
                invite=batch.invite,
                inviting=INVITING,
                dry_run=batch.dry_run,
                batch=batch,
                seen=seen,
                row_problems={r.row: r.problem for r in chunk if r.problem},
            )
            insert_rows(
                BatchRow,
                (
                    "batch_id",
                    "row",
                    "result",
                    "reason",
                    "problems",
                    "account_id",
                    "multiline_number",
                    "invitation_outcome",
                    "invitation",
                ),
                [
                    (
                        batch.pk,
                        o.row,
                        o.result,
                        o.reason,
                        o.problems.as_dict() if o.result == FAILED else {},
                        o.account_id,
                        o.multiline_number,
                        o.invitation_outcome,
                        o.invitation,
                    )
                    for o in outcomes
                ],
            )
            counts = _counts(outcomes)
            pending.update(counts)
            # The counters and the heartbeat are written with the chunk's rows, but at most every
            # PROGRESS_EVERY: on SQLite an UPDATE of the batch rewrites its stored file (~18 ms a
            # write at 100k rows). A crash in between loses nothing: `_recount` restores them.
            flush = following is None or time.monotonic() - flushed >= PROGRESS_EVERY
            if flush:
                Batch.objects.filter(pk=batch.pk).update(
                    heartbeat_at=timezone.now(),
                    **{name: F(name) + n for name, n in pending.items()},
                )
        if flush:
            pending.clear()
            flushed = time.monotonic()
        if progress is not None:
            if flush:
                batch.refresh_from_db(fields=list(counts))
            else:  # What the next write will add.
                for name, n in counts.items():
                    setattr(batch, name, getattr(batch, name) + n)
            progress(batch)
        chunk = following
    with transaction.atomic():
        if not runner.Run(Batch, batch.pk, run).finish(error=""):
            raise RunLost(batch.pk)
        batch.refresh_from_db()
        audit.record(
            actor=actor,
            action="batch.finish",
            target=batch,
            organization=batch.organization,
            batch_id=batch.pk,
            data={
                "status": batch.status,
                "total": batch.total,
                "succeeded": batch.succeeded,
                "failed": batch.failed,
                "existing": batch.existing,
                "invited": batch.invited,
            },
        )
        _after_finish(batch)


def _after_finish(batch: Batch) -> None:
    # alerts sends the summary to the designated admins, after commit (portal.alerts.receivers).
    events.batch_finished.send(sender=Batch, batch=batch)


def batch_resume(*, actor, batch: Batch, enqueue: bool = True) -> Batch:
    """Queue a batch whose worker stopped (failed, or `running` with no heartbeat for
    WORKER_DEAD_AFTER) again; it continues after the last row it committed."""
    with transaction.atomic():
        if not runner.resume(Batch, batch.pk):
            batch.refresh_from_db(fields=["status"])
            if batch.status == JobStatus.RUNNING:
                refused = _(
                    "Batch %(id)s is running and still making progress; only a failed or stalled "
                    "batch can be resumed."
                )
            else:
                refused = _(
                    "Batch %(id)s is %(status)s; only a failed or stalled batch can be resumed."
                )
            raise Conflict(
                refused % {"id": batch.pk, "status": batch.get_status_display().lower()},
                fields={"status": [batch.status]},
            )
        audit.record(
            actor=actor,
            action="batch.resume",
            target=batch,
            organization=batch.organization,
            batch_id=batch.pk,
            data={"processed": batch.processed},
        )
        if enqueue:
            BATCHES.enqueue_on_commit(batch.pk)
    batch.refresh_from_db()
    return batch


def _give_up(lost: heartbeat.Lost, why: str) -> bool:
    """A batch that kept losing its worker: failed with what was done (Resume accepts it)."""
    batch = Batch.objects.select_related("organization").get(pk=lost.pk)
    _stop(batch, why, run=lost.runs)
    return True


BATCHES = runner.Kind(
    name="batches",
    label="batch",
    model=Batch,
    task="portal.batches.tasks.run_batch",
    argument="batch_id",
    give_up=_give_up,
)


# ---------------------------------------------------------------- the report


def report_rows(batch: Batch) -> Iterator[list[str]]:
    """The Batch Operations Report: the file's own columns, then the outcome of each row."""
    table = read_upload(
        data=JobUpload.read(batch.upload_id),
        filename=batch.filename,
        max_rows=max(batch.total, settings.BATCH_MAX_ROWS),
    )
    yield [*table.header, *REPORT_COLUMNS]
    now = invitations_now(batch)
    results = (
        BatchRow.objects.filter(batch=batch)
        .order_by("row")
        .values_list(
            "row",
            "result",
            "reason",
            "account_id",
            "multiline_number",
            "invitation_outcome",
            "invitation",
        )
        .iterator(chunk_size=2000)
    )
    current = next(results, None)
    for record in table.records():
        while current is not None and current[0] < record.row:
            current = next(results, None)
        if current is not None and current[0] == record.row:
            _row, result, reason, account_id, number, outcome, invitation = current
            if outcome == InvitationOutcome.QUEUED:
                invitation = now.get(account_id, invitation)
        else:
            result, reason, account_id, number, invitation = "not processed", "", None, "", ""
        yield [
            *record.cells,
            str(record.row),
            result,
            reason,
            "" if account_id is None else str(account_id),
            number,
            invitation,
        ]


def invitations_now(batch: Batch) -> dict[int, str]:
    """Each invited account's latest invitation as it is now (the row recorded "queued"): sent,
    retrying, failed and why, used, expired."""
    latest: dict[int, str] = {}
    invitations = (
        Invitation.objects.filter(account__batch=batch)
        .only("account_id", "state", "attempts", "expires_at", "last_error")
        .order_by("account_id", "id")
        .iterator(chunk_size=2000)
    )
    for invitation in invitations:
        with translation.override(settings.LANGUAGE_CODE):  # The report's words stay English.
            label = invitation.status_label.lower()
        if invitation.last_error and label in ("failed", "retrying"):
            label = f"{label}: {invitation.last_error}"
        latest[invitation.account_id] = label
    return latest


def report_csv_lines(batch: Batch) -> Iterator[str]:
    """The report as CSV, by the one writer of every download (`lib.csvexport`)."""
    return csv_lines(report_rows(batch))


def report_export(*, actor, batch: Batch) -> Iterator[str]:
    """The report's CSV lines for a download or a file, audited as an export of personal data."""
    audit.record_export(
        actor=actor,
        what="batch_report",
        rows=batch.total,
        target=batch,
        organization=batch.organization,
        batch_id=batch.pk,
        file=batch.filename,
    )
    return report_csv_lines(batch)


def report_filename(batch: Batch) -> str:
    stem = batch.filename.rsplit(".", 1)[0] or "upload"
    return f"batch-{batch.pk}-{stem}-report.csv"


def failed_rows(batch: Batch, limit: int = 200):
    return BatchRow.objects.filter(batch=batch, result=FAILED).order_by("row")[:limit]
