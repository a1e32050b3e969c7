from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


def dead_after() -> timedelta:
    """A running job with no heartbeat for this long has lost its worker (WORKER_DEAD_AFTER)."""
    return timedelta(seconds=settings.WORKER_DEAD_AFTER)


class Job(models.Model):
    """What a batch (portal.batches) and a bulk job share: a status, progress (`processed` of
    `total`), the heartbeat its worker writes while it runs (portal.lib.heartbeat), the number of
    its current run (a run writes only while it is the last: portal.jobs.runner fences it) and the
    automatic re-queues since it was queued or resumed. portal.jobs.runner claims, beats, finishes,
    resumes and sweeps every kind of job with the same code."""

    status = models.CharField(max_length=10, choices=JobStatus, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by its worker every WORKER_HEARTBEAT seconds while it runs (portal.lib.heartbeat);
    # a stale one = a dead worker. Also set when it is queued again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Each run's number: a run only writes while it is the last; automatic re-queues since queued
    # or resumed.
    runs = models.PositiveIntegerField(default=0)
    recoveries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.COMPLETED, JobStatus.FAILED)

    @property
    def stalled(self) -> bool:
        """Running, but no heartbeat for WORKER_DEAD_AFTER: its worker died (the sweep queues it
        again)."""
        last = self.heartbeat_at or self.started_at or self.created_at
        return self.status == JobStatus.RUNNING and last < timezone.now() - dead_after()

    @property
    def percent(self) -> int:
        if self.status == JobStatus.COMPLETED:
            return 100
        return min(int(100 * self.processed / self.total), 100) if self.total else 0


class JobUpload(models.Model):
    """The file a job works from (a batch's CSV or XLSX upload), in a table of its own rather than
    in the job's row: the job's row is read and written many times while it runs (progress,
    heartbeat, fence) and listed on every page; the file is read once per run and by the report.
    See docs/decisions.md ("Uploads in their own table")."""

    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    content = models.BinaryField(default=b"", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Upload {self.pk} ({self.filename}, {self.size} bytes)"

    @classmethod
    def of(cls, *, filename: str, data: bytes) -> JobUpload:
        return cls.objects.create(
            filename=filename, size=len(data), content=data, sha256=hashlib.sha256(data).hexdigest()
        )

    @classmethod
    def read(cls, pk: int) -> bytes:
        """The bytes of upload `pk`, without loading the model (a database may answer a
        memoryview)."""
        content = cls.objects.filter(pk=pk).values_list("content", flat=True).get()
        return content if isinstance(content, bytes) else bytes(content)


class BulkJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A job is seen by the admin who started it (and by operators)."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(created_by=user)


class BulkJob(Job):
    """A bulk action over many accounts, run by a task; the page polls `processed` / `total`.

    The selection is frozen (`account_ids`) when the admin confirms, so what runs is what was shown.
    """

    action = models.CharField(max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="bulk_jobs"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The destination of a move.",
    )
    account_ids = models.JSONField(default=list)
    params = models.JSONField(default=dict, blank=True)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    results = models.JSONField(default=list, blank=True)

    objects = BulkJobQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Bulk {self.action} {self.pk}"


class IdempotentRequest(models.Model):
    """The first answer to an API bulk call made with an `Idempotency-Key` header (per caller and
    endpoint). The same key within `IDEMPOTENCY_TTL` returns this answer and does nothing again.

    `status` is null while the first request runs; `fingerprint` is the hash of its body, so the
    same key with another body is refused.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "endpoint", "key"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"
