from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext

from portal.access.scoping import ScopedQuerySet
from portal.accounts.outcomes import InvitationOutcome, RowResult
from portal.jobs.models import Job, JobStatus, JobUpload, dead_after

# The status of a batch is a job's (portal.jobs.models.Job); the old names stay importable.
BatchStatus = JobStatus
stalled_after = dead_after


class Batch(Job):
    """One CSV upload of accounts into one organization and permission group.

    Its status, progress, heartbeat and run number are a job's (portal.jobs.models.Job); the
    uploaded file is a `JobUpload` of its own, read by the worker and by the report.
    """

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
    upload = models.OneToOneField(
        JobUpload, on_delete=models.PROTECT, related_name="batch", editable=False
    )
    invite = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    existing = models.PositiveIntegerField(default=0)
    invited = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.filename})"

    def save(self, *args, **kwargs):
        if self.upload_id is None:  # A batch made without a file (a shell, a test): an empty one.
            self.upload = JobUpload.of(filename=self.filename, data=b"")
        super().save(*args, **kwargs)

    @property
    def mode(self) -> str:
        """The mode as the upload page names it, in the active language."""
        if self.dry_run:
            return gettext("Validate only")
        return gettext("Import & Invite") if self.invite else gettext("Import")


class BatchRow(models.Model):
    """The verdict on one row of a batch, written in the same transaction as the row's account."""

    # No index of its own: `batch_row_unique` (batch, row) begins with it.
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows", db_index=False)
    row = models.PositiveIntegerField()  # The spreadsheet's row number: the header is row 1.
    result = models.CharField(max_length=10, choices=RowResult)
    reason = models.TextField(blank=True)
    problems = models.JSONField(default=dict, blank=True)  # column -> reasons
    account_id = models.BigIntegerField(null=True, blank=True)
    multiline_number = models.CharField(max_length=16, blank=True)
    # What was done about the row's invitation (code decides on this), and the report's words
    # for it, made from it when the row was written (`outcomes.invitation_text`).
    invitation_outcome = models.CharField(max_length=10, choices=InvitationOutcome, blank=True)
    invitation = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "row"]
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="batch_row_unique")]

    def __str__(self) -> str:
        return f"Row {self.row}: {self.result}"
