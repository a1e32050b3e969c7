"""Batch CSV import of accounts: upload, run (in chunks, resumable), report, notification."""

from __future__ import annotations

import csv
import gc
import io
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.accounts.bulk import EXISTS, FAILED, IMPORTED, VALID, accounts_add_many
from portal.accounts.rules import COLUMNS, MANDATORY_COLUMNS
from portal.accounts.services import resolve_permission_group
from portal.audit import services as audit
from portal.batches.models import Batch, BatchRow, BatchStatus
from portal.lib import heartbeat
from portal.lib.bulkinsert import insert_values
from portal.lib.csvfile import FileTooLarge, Table, canonical, open_table
from portal.lib.errors import Conflict, DomainError
from portal.lib.tasks import connections_tidy, is_transient
from portal.organizations.models import Feature

log = logging.getLogger(__name__)

ALIASES = {canonical(c): c for c in COLUMNS} | {
    canonical(alias): column
    for alias, column in {
        "first name": "firstname", "first_name": "firstname", "last name": "lastname", "last_name": "lastname",
        "email address or device": "email", "email address": "email", "email or device": "email",
        "device": "email", "device number": "email", "device #": "email", "email or device #": "email",
        "primary_number": "multiline_number", "multiline number": "multiline_number", "number": "multiline_number",
    }.items()
}
REPORT_COLUMNS = ["row", "result", "reason", "account_id", "multiline_number", "invitation"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------- the template

def template_columns(organization) -> list[str]:
    """The CSV template's columns: the social messaging restriction only where it applies."""
    if organization.has_feature(Feature.SOCIAL_MESSAGING):
        return list(COLUMNS)
    return [c for c in COLUMNS if c != "restrict_incoming_social_messaging"]


def template_note(organization, permission_group) -> str:
    social = organization.has_feature(Feature.SOCIAL_MESSAGING)
    return (
        f"Note: template for {organization} (User Permissions “{permission_group}”) - choose the same "
        "organization and User Permissions when you upload. One row per account. Mandatory: email (an email "
        "address, or a device number with country code), social_messaging (Yes / No), monitor_calls (auto / off), "
        "monitor_sms (on / off). Optional: firstname, lastname, multiline_number (an available number of this "
        "organization; empty = the user picks one at activation), forwarding_number (4 to 18 digits with "
        "country code)"
        + (", restrict_incoming_social_messaging (true / false, only with social_messaging Yes)" if social else "")
        + f", language (English, Italian, German, French, Spanish). At most {settings.BATCH_MAX_ROWS:,} rows. "
        "Delete this Note row before uploading."
    )


def template_csv(*, organization, permission_group) -> str:
    group = resolve_permission_group(organization, permission_group)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = template_columns(organization)
    writer.writerow(columns)
    writer.writerow([template_note(organization, group)] + [""] * (len(columns) - 1))
    return "\ufeff" + out.getvalue()


def template_filename(organization, permission_group) -> str:
    name = "".join(ch if ch.isalnum() else "-" for ch in str(permission_group)).strip("-").lower()
    return f"accounts-{organization.slug}-{name or 'default'}.csv"


# ---------------------------------------------------------------- upload

def read_upload(*, data: bytes, filename: str, max_rows: int | None = None) -> Table:
    """The whole-file checks; FileRefused says what to fix."""
    return open_table(
        data, filename, aliases=ALIASES, required=MANDATORY_COLUMNS,
        max_rows=max_rows or settings.BATCH_MAX_ROWS, max_bytes=settings.BATCH_MAX_BYTES,
    )


def upload_bytes(uploaded, filename: str) -> bytes:
    """The content of an uploaded file, refused by its size before it is read into memory."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > settings.BATCH_MAX_BYTES:
        raise FileTooLarge(size=size, limit=settings.BATCH_MAX_BYTES, filename=filename)
    return uploaded.read(settings.BATCH_MAX_BYTES + 1)


def batch_create(*, actor, organization, permission_group, filename: str, data: bytes,
                 invite: bool = False, dry_run: bool = False, enqueue: bool = True) -> Batch:
    """Check the file as a whole, store it, and queue its import (after commit)."""
    group = resolve_permission_group(organization, permission_group)
    filename = (filename or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1][:255]
    table = read_upload(data=data, filename=filename)
    with transaction.atomic():
        batch = Batch.objects.create(
            organization=organization, permission_group=group,
            created_by=actor if actor is not None and actor.pk else None,
            filename=filename, content=data, invite=invite and not dry_run, dry_run=dry_run, total=table.rows,
        )
        audit.record(actor=actor, action="batch.upload", target=batch, organization=organization, batch_id=batch.pk,
                     data={"file": filename, "rows": table.rows, "format": table.description,
                           "permission_group": group.name, "invite": batch.invite, "dry_run": dry_run})
        if enqueue:
            from portal.batches.tasks import run_batch

            transaction.on_commit(lambda: run_batch.enqueue(batch_id=batch.pk))
    return batch


# ---------------------------------------------------------------- running

@contextmanager
def _gc_paused():
    """The import allocates many short-lived objects; the collector would cost 40-60 % at 100k rows."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _chunks(iterable, size: int):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


class RunLost(Exception):
    """Another run has the batch now: the sweep found this one's heartbeat stale and queued it again."""


def batch_run(*, batch_id: int, progress: Callable[[Batch], None] | None = None) -> Batch | None:
    """Run a queued batch: chunks of BATCH_CHUNK_ROWS rows, each committed with its rows' results.

    A crash loses at most the chunk in flight (rolled back as a whole); the run continues after
    the last committed row when the batch is queued again: at once after a transient database
    failure (a dropped connection, a deadlock, a long lock), by the sweep when its worker died
    (portal.jobs.sweep), or by Resume. Each run has a number; a chunk commits only while its run is
    the batch's last, so two runs never write the same batch.
    """
    now = timezone.now()
    with transaction.atomic():
        if not Batch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
                status=BatchStatus.RUNNING, heartbeat_at=now, runs=F("runs") + 1):
            return None  # Already taken by another worker, or finished.
        run = Batch.objects.filter(pk=batch_id).values_list("runs", flat=True).get()
        Batch.objects.filter(pk=batch_id, started_at__isnull=True).update(started_at=now)
    # The stored file is not loaded with the batch (nor by its refreshes): `_run` reads it once.
    batch = (Batch.objects.select_related("organization", "permission_group", "created_by").defer("content")
             .get(pk=batch_id))
    try:
        with _gc_paused(), audit.via("batch"), heartbeat.hold(Batch, [batch_id]):
            _run(batch, progress, run)
    except RunLost:
        log.warning("batch %s: run %s stopped, a later run has it", batch_id, run)
        return None
    except Exception as error:  # Marked failed with what was done; the worker logs the trace.
        if is_transient(error) and _retry_soon(batch_id, run, error):
            return None
        log.exception("batch %s failed", batch_id)
        return _stop(batch, str(error), run=run)
    batch.refresh_from_db()
    return batch


def _retry_soon(batch_id: int, run: int, error: Exception) -> bool:
    """After a transient database failure, queue the batch again in WORKER_HEARTBEAT seconds (at most
    WORKER_MAX_RECOVERIES times). True when it will run again: queued now, or left `running` for the
    sweep when even that cannot be written (its heartbeat has stopped)."""
    from portal.batches.tasks import run_batch

    log.warning("batch %s: run %s stopped on %s; queued again", batch_id, run, error)
    connections_tidy()
    try:
        with transaction.atomic():
            requeued = Batch.objects.filter(
                pk=batch_id, status=BatchStatus.RUNNING, runs=run,
                recoveries__lt=settings.WORKER_MAX_RECOVERIES,
            ).update(status=BatchStatus.QUEUED, heartbeat_at=timezone.now(), recoveries=F("recoveries") + 1)
            if requeued:
                later = timezone.now() + timedelta(seconds=settings.WORKER_HEARTBEAT)
                transaction.on_commit(lambda: run_batch.using(run_after=later).enqueue(batch_id=batch_id))
    except DatabaseError:
        log.warning("batch %s: the database is still unreachable; the sweep queues it again", batch_id)
        return True
    return bool(requeued)


def _stop(batch: Batch, reason: str, *, run: int | None = None) -> Batch:
    """Mark a batch failed with what was done and how to go on (Resume accepts it)."""
    _recount(batch)
    batch.refresh_from_db()
    last = BatchRow.objects.filter(batch=batch).order_by("-row").values_list("row", flat=True).first()
    message = (
        f"Stopped {'after row ' + str(last) if last else 'before the first row'}: {reason}. "
        f"{batch.processed:,} of {batch.total:,} rows were handled ({batch.succeeded:,} "
        f"{'valid' if batch.dry_run else 'imported'}, {batch.failed:,} failed, {batch.existing:,} existing); "
        "they stay as they are. Resume the batch, or upload the same file again: rows already imported "
        "are reported as existing."
    )
    mine = Batch.objects.filter(pk=batch.pk, status__in=(BatchStatus.RUNNING, BatchStatus.QUEUED))
    if run is not None:
        mine = mine.filter(runs=run)
    with transaction.atomic():
        if mine.update(status=BatchStatus.FAILED, error=message[:5000], finished_at=timezone.now()):
            batch.refresh_from_db()
            _after_finish(batch)
    batch.refresh_from_db()
    return batch


def _fence(batch_id: int, run: int) -> None:
    """At the start of each chunk's transaction: this run still has the batch, and keeps it until the
    chunk commits. PostgreSQL: the UPDATE locks the row (and beats). SQLite: the transaction's
    BEGIN IMMEDIATE already holds the only write lock, and an UPDATE would rewrite the stored file
    (~18 ms a chunk at 100k rows), so a read is enough."""
    mine = Batch.objects.filter(pk=batch_id, status=BatchStatus.RUNNING, runs=run)
    if transaction.get_connection().vendor == "sqlite":
        owned = mine.exists()
    else:
        owned = mine.update(heartbeat_at=timezone.now()) == 1
    if not owned:
        raise RunLost(batch_id)


PROGRESS_EVERY = 1.0  # seconds between two writes of a running batch's counters and heartbeat


def _counts(outcomes) -> Counter:
    return Counter(
        processed=len(outcomes),
        succeeded=sum(o.result in (IMPORTED, VALID) for o in outcomes),
        failed=sum(o.result == FAILED for o in outcomes),
        existing=sum(o.result == EXISTS for o in outcomes),
        invited=sum(bool(o.invitation) and not o.invitation.startswith("not sent") for o in outcomes),
    )


def _recount(batch: Batch) -> None:
    """Set the batch's counters from its committed per-row results (after a crash or a resume)."""
    from django.db.models import Count, Q

    totals = BatchRow.objects.filter(batch=batch).aggregate(
        processed=Count("pk"),
        succeeded=Count("pk", filter=Q(result__in=(IMPORTED, VALID))),
        failed=Count("pk", filter=Q(result=FAILED)),
        existing=Count("pk", filter=Q(result=EXISTS)),
        invited=Count("pk", filter=~Q(invitation="") & ~Q(invitation__startswith="not sent")),
    )
    Batch.objects.filter(pk=batch.pk).update(**totals)


def _run(batch: Batch, progress, run: int) -> None:
    content = Batch.objects.filter(pk=batch.pk).values_list("content", flat=True).get()
    # Checked whole at upload: only its format and header are read again; its rows then stream.
    table = open_table(bytes(content) if not isinstance(content, bytes) else content, batch.filename,
                       aliases=ALIASES, required=MANDATORY_COLUMNS,
                       max_rows=max(batch.total, settings.BATCH_MAX_ROWS),
                       max_bytes=max(len(content), 1), rows=batch.total)
    del content
    # Chunks are committed whole and in the file's order: a resumed run continues after the last
    # row with a result (nothing per row is kept for that).
    done = BatchRow.objects.filter(batch=batch).order_by("-row").values_list("row", flat=True).first() or 0
    if done:
        _recount(batch)  # The counters of chunks committed before a crash may not have been written.
        batch.refresh_from_db(fields=["processed", "succeeded", "failed", "existing", "invited"])
    seen: dict = {}
    actor = batch.created_by
    size = settings.BATCH_CHUNK_ROWS
    records = (r for r in table.records() if r.row > done)
    pending = Counter()
    flushed = time.monotonic()
    chunks = _chunks(records, size)
    chunk = next(chunks, None)
    while chunk is not None:
        following = next(chunks, None)
        with transaction.atomic():
            _fence(batch.pk, run)
            outcomes = accounts_add_many(
                actor=actor, organization=batch.organization, permission_group=batch.permission_group,
                rows=[(r.row, r.values) for r in chunk], invite=batch.invite, dry_run=batch.dry_run,
                batch=batch, seen=seen, row_problems={r.row: r.problem for r in chunk if r.problem},
            )
            insert_values(
                BatchRow,
                ("batch_id", "row", "result", "reason", "problems", "account_id", "multiline_number", "invitation"),
                [(batch.pk, o.row, o.result, o.reason, o.problems.as_dict() if o.result == FAILED else {},
                  o.account_id, o.multiline_number, o.invitation) for o in outcomes],
            )
            counts = _counts(outcomes)
            pending.update(counts)
            # The counters and the heartbeat are written with the chunk's rows, but at most every
            # PROGRESS_EVERY: on SQLite an UPDATE of the batch rewrites its stored file (~18 ms a
            # write at 100k rows). A crash in between loses nothing: `_recount` restores them.
            flush = following is None or time.monotonic() - flushed >= PROGRESS_EVERY
            if flush:
                Batch.objects.filter(pk=batch.pk).update(
                    heartbeat_at=timezone.now(), **{name: F(name) + n for name, n in pending.items()})
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
        if not Batch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING, runs=run).update(
                status=BatchStatus.COMPLETED, finished_at=timezone.now(), error=""):
            raise RunLost(batch.pk)
        batch.refresh_from_db()
        audit.record(actor=actor, action="batch.finish", target=batch, organization=batch.organization,
                     batch_id=batch.pk,
                     data={"status": batch.status, "total": batch.total, "succeeded": batch.succeeded,
                           "failed": batch.failed, "existing": batch.existing, "invited": batch.invited})
        _after_finish(batch)


def _after_finish(batch: Batch) -> None:
    if batch.dry_run or not batch.organization.alert_batch_finished:
        return
    from portal.batches.tasks import notify_batch_finished

    transaction.on_commit(lambda: notify_batch_finished.enqueue(batch_id=batch.pk))


def batch_resume(*, actor, batch: Batch, enqueue: bool = True) -> Batch:
    """Queue a batch whose worker stopped (failed, or `running` with no heartbeat for
    WORKER_DEAD_AFTER) again; it continues after the last row it committed."""
    from django.db.models import Q

    from portal.batches.models import stalled_after

    stalled = Q(status=BatchStatus.RUNNING, heartbeat_at__lt=timezone.now() - stalled_after())
    with transaction.atomic():
        if not Batch.objects.filter(Q(status=BatchStatus.FAILED) | stalled, pk=batch.pk).update(
                status=BatchStatus.QUEUED, error="", finished_at=None, heartbeat_at=timezone.now(),
                recoveries=0):
            batch.refresh_from_db(fields=["status"])
            still = " and still making progress" if batch.status == BatchStatus.RUNNING else ""
            raise Conflict(f"Batch {batch.pk} is {batch.status}{still}; only a failed or stalled batch can be "
                           "resumed.", fields={"status": [batch.status]})
        audit.record(actor=actor, action="batch.resume", target=batch, organization=batch.organization,
                     batch_id=batch.pk, data={"processed": batch.processed})
        if enqueue:
            from portal.batches.tasks import run_batch

            transaction.on_commit(lambda: run_batch.enqueue(batch_id=batch.pk))
    batch.refresh_from_db()
    return batch


def batches_requeue_stalled(*, exclude: set[int] = frozenset()) -> list[int]:
    """The sweep's part for batches: queue again each batch that lost its worker (`running`, no
    heartbeat for WORKER_DEAD_AFTER) or its task (`queued` that long, no run_batch task waiting).
    After WORKER_MAX_RECOVERIES automatic re-queues it is marked failed with the reason instead.
    Safe from many workers at once: each batch is taken with a conditional UPDATE. `exclude`: the
    batches this process runs itself. Returns the ids queued again or failed."""
    from portal.batches.tasks import run_batch
    from portal.lib.taskqueue import waiting_values

    waiting = waiting_values(run_batch, "batch_id")  # Read before the rows: see portal.lib.taskqueue.
    now = timezone.now()
    handled = []
    for lost in heartbeat.lost_runs(Batch, running=BatchStatus.RUNNING, queued=BatchStatus.QUEUED,
                                    waiting=waiting, exclude=exclude):
        pk, status, runs, recoveries = lost.pk, lost.status, lost.runs, lost.recoveries
        same = lost.same(Batch)
        why = ("its worker stopped (no heartbeat for {s} s)" if status == BatchStatus.RUNNING
               else "its task was lost (queued {s} s with no task waiting for it)").format(
                   s=settings.WORKER_DEAD_AFTER)
        if recoveries >= settings.WORKER_MAX_RECOVERIES:
            batch = Batch.objects.select_related("organization").defer("content").get(pk=pk)
            _stop(batch, f"{why}, {recoveries + 1} times", run=runs)
            handled.append(pk)
            continue
        with transaction.atomic():
            if not same.update(status=BatchStatus.QUEUED, heartbeat_at=now, recoveries=F("recoveries") + 1):
                continue  # Beaten, finished or taken meanwhile (another worker's sweep).
            transaction.on_commit(lambda pk=pk: run_batch.enqueue(batch_id=pk))
        log.warning("batch %s queued again: %s", pk, why)
        handled.append(pk)
    return handled


# ---------------------------------------------------------------- the report

def neutralise(value) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def report_rows(batch: Batch) -> Iterator[list[str]]:
    """The Batch Operations Report: the file's own columns, then the outcome of each row."""
    table = read_upload(data=bytes(batch.content), filename=batch.filename,
                        max_rows=max(batch.total, settings.BATCH_MAX_ROWS))
    yield [neutralise(h) for h in table.header] + REPORT_COLUMNS
    results = BatchRow.objects.filter(batch=batch).order_by("row").values_list(
        "row", "result", "reason", "account_id", "multiline_number", "invitation").iterator(chunk_size=2000)
    current = next(results, None)
    for record in table.records():
        while current is not None and current[0] < record.row:
            current = next(results, None)
        if current is not None and current[0] == record.row:
            _row, result, reason, account_id, number, invitation = current
        else:
            result, reason, account_id, number, invitation = "not processed", "", None, "", ""
        yield [neutralise(c) for c in record.cells] + [
            str(record.row), result, neutralise(reason), "" if account_id is None else str(account_id),
            neutralise(number), neutralise(invitation)]


class _Echo:
    def write(self, value):
        return value


def report_csv_lines(batch: Batch) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff"
    for row in report_rows(batch):
        yield writer.writerow(row)


def report_export(*, actor, batch: Batch) -> Iterator[str]:
    """The report's CSV lines for a download or a file, audited as an export of personal data."""
    audit.record_export(actor=actor, what="batch_report", rows=batch.total, target=batch,
                        organization=batch.organization, batch_id=batch.pk, file=batch.filename)
    return report_csv_lines(batch)


def report_filename(batch: Batch) -> str:
    stem = batch.filename.rsplit(".", 1)[0] or "upload"
    return f"batch-{batch.pk}-{stem}-report.csv"


def failed_rows(batch: Batch, limit: int = 200):
    return BatchRow.objects.filter(batch=batch, result=FAILED).order_by("row")[:limit]


# ---------------------------------------------------------------- notification

def batch_notify(*, batch_id: int) -> int:
    """Email the summary and the report link to the organization's designated admins."""
    batch = Batch.objects.select_related("organization", "created_by", "permission_group").get(pk=batch_id)
    organization = batch.organization
    from portal.alerts.services import recipients_for

    # The alerts' one rule, as Setup → Alerts says: the designated admins, else every admin.
    recipients = recipients_for(organization)
    if not recipients or not organization.alert_batch_finished:
        return 0
    context = {
        "batch": batch,
        "organization": organization,
        "report_url": settings.PUBLIC_URL + reverse("batches:report", args=[batch.pk]),
        "batch_url": settings.PUBLIC_URL + reverse("batches:detail", args=[batch.pk]),
    }
    subject = render_to_string("batches/email/finished_subject.txt", context).strip()
    text = render_to_string("batches/email/finished.txt", context)
    html = render_to_string("batches/email/finished.html", context)
    from portal.alerts.models import AlertKind
    from portal.alerts.services import sending_once

    # Once per batch, like every alert: a retried or doubled task sends nothing the second time.
    with sending_once(kind=AlertKind.BATCH_FINISHED, key=f"batch_finished:{batch.pk}", organization=organization,
                      recipients=recipients, subject=subject[:200]) as claim:
        if claim is None:
            return 0
        with get_connection() as connection:
            message = EmailMultiAlternatives(subject=subject, body=text, to=recipients, connection=connection)
            message.attach_alternative(html, "text/html")
            message.send()
    audit.record(actor=None, action="batch.notify", target=batch, organization=organization, batch_id=batch.pk,
                 data={"recipients": recipients})
    return len(recipients)


def check_can_upload(*, organization) -> None:
    if organization is None:
        raise DomainError("Choose an organization.", fields={"organization": ["is mandatory"]})
