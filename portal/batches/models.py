from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models

from portal.access.scoping import ScopedQuerySet


def stalled_after() -> timedelta:
    """A running batch with no heartbeat for this long has lost its worker (WORKER_DEAD_AFTER)."""
    return timedelta(seconds=settings.WORKER_DEAD_AFTER)


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class Batch(models.Model):
    """One CSV upload of accounts into one organization and permission group."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="batches"
    )
    permission_group = models.ForeignKey(
        "permissions.PermissionGroup", on_delete=models.PROTECT, related_name="batches"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="batches"
    )
    filename = models.CharField(max_length=255)
    content = models.BinaryField(default=b"", editable=False)  # The upload, re-read by the worker.
    invite = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=BatchStatus, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    existing = models.PositiveIntegerField(default=0)
    invited = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written by its worker every WORKER_HEARTBEAT seconds while it runs (portal.lib.heartbeat);
    # a stale one = a dead worker. Also set when it is queued again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveIntegerField(default=0)  # Each run's number: a run only writes while it is the last.
    recoveries = models.PositiveSmallIntegerField(default=0)  # Automatic re-queues since upload or Resume.
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.filename})"

    @property
    def finished(self) -> bool:
        return self.status in (BatchStatus.COMPLETED, BatchStatus.FAILED)

    @property
    def stalled(self) -> bool:
        """Running, but no heartbeat for WORKER_DEAD_AFTER: its worker died (the sweep queues it again)."""
        from django.utils import timezone

        last = self.heartbeat_at or self.started_at or self.created_at
        return self.status == BatchStatus.RUNNING and last < timezone.now() - stalled_after()

    @property
    def percent(self) -> int:
        if self.finished and self.status == BatchStatus.COMPLETED:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def mode(self) -> str:
        if self.dry_run:
            return "Validate only"
        return "Import & Invite" if self.invite else "Import"


class RowResult(models.TextChoices):
    IMPORTED = "imported", "Imported"
    VALID = "valid", "Valid (dry run)"
    EXISTS = "exists", "Exists"
    FAILED = "failed", "Failed"


class BatchRow(models.Model):
    """The verdict on one row of a batch, written in the same transaction as the row's account."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField()  # The spreadsheet's row number: the header is row 1.
    result = models.CharField(max_length=10, choices=RowResult)
    reason = models.TextField(blank=True)
    problems = models.JSONField(default=dict, blank=True)  # column -> reasons
    account_id = models.BigIntegerField(null=True, blank=True)
    multiline_number = models.CharField(max_length=16, blank=True)
    invitation = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "row"]
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="batch_row_unique")]

    def __str__(self) -> str:
        return f"Row {self.row}: {self.result}"
