"""Batches API (/api/v1/batches) and the CSV template (/api/v1/organizations/{slug}/csv-template).

Uploading needs the Accounts Bulk Operations privilege; reading a batch, that or Reports. A batch
or organization outside the caller's scope is a 404.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, has_privilege, require_privilege
from portal.batches import services
from portal.batches.models import Batch
from portal.lib.csvexport import csv_file_response, csv_response
from portal.lib.errors import Forbidden
from portal.organizations.models import Organization

router = Router(tags=["batches"])
template_router = Router(tags=["batches"])


class BatchCreated(Schema):
    id: int
    status: str
    total: int
    url: str


class BatchOut(Schema):
    id: int
    organization: str
    permission_group: str
    filename: str
    invite: bool
    dry_run: bool
    status: str = Field(description="queued, running, completed or failed")
    total: int
    processed: int
    succeeded: int = Field(description="Rows imported (valid rows in a dry run)")
    failed: int
    existing: int = Field(description="Rows whose account already existed (left unchanged)")
    invited: int = Field(description="Invitations queued")
    percent: int
    error: str
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    report_url: str


class BatchFilters(Schema):
    organization: str | None = None
    status: str | None = None


def _out(batch: Batch) -> dict:
    return {
        "id": batch.pk,
        "organization": batch.organization.slug,
        "permission_group": batch.permission_group.name,
        "filename": batch.filename,
        "invite": batch.invite,
        "dry_run": batch.dry_run,
        "status": batch.status,
        "total": batch.total,
        "processed": batch.processed,
        "succeeded": batch.succeeded,
        "failed": batch.failed,
        "existing": batch.existing,
        "invited": batch.invited,
        "percent": batch.percent,
        "error": batch.error,
        "created_by": batch.created_by.get_username() if batch.created_by else None,
        "created_at": batch.created_at,
        "started_at": batch.started_at,
        "finished_at": batch.finished_at,
        "report_url": reverse("api:batch_report", args=[batch.pk]),
    }


def _readable(request, pk: int) -> Batch:
    if not (
        has_privilege(request.user, Privilege.ACCOUNTS_BULK)
        or has_privilege(request.user, Privilege.REPORTS)
    ):
        raise Forbidden(
            "This needs the Accounts Bulk Operations or the Reports privilege in your role."
        )
    batches = Batch.objects.select_related("organization", "permission_group", "created_by")
    return get_object_for(request.user, batches, pk=pk)


@router.post("", response={202: BatchCreated}, summary="Upload a CSV or .xlsx file of accounts")
def batch_upload(
    request,
    file: File[UploadedFile],
    organization: Form[str],
    permission_group: Form[str] = "",
    invite: Form[bool] = False,
    dry_run: Form[bool] = False,
):
    """The whole file is checked first (400 with what to
    fix); then the import runs in the background."""
    require_privilege(request.user, Privilege.ACCOUNTS_BULK)
    org = get_object_for(request.user, Organization.objects, slug=organization)
    batch = services.batch_create(
        actor=request.user,
        organization=org,
        permission_group=permission_group or None,
        filename=file.name or "upload.csv",
        data=services.upload_bytes(file, file.name or "upload.csv"),
        invite=invite,
        dry_run=dry_run,
    )
    return Status(
        202,
        {
            "id": batch.pk,
            "status": batch.status,
            "total": batch.total,
            "url": reverse("api:batch_get", args=[batch.pk]),
        },
    )


@router.get("", response=list[BatchOut], summary="Batches in your scope, newest first")
def batch_list(request, filters: Query[BatchFilters]):
    require_privilege(request.user, Privilege.REPORTS)
    batches = Batch.objects.visible_to(request.user).select_related(
        "organization", "permission_group", "created_by"
    )
    if filters.organization:
        batches = batches.filter(organization__slug=filters.organization)
    if filters.status:
        batches = batches.filter(status=filters.status)
    return [_out(b) for b in batches[:200]]


@router.get(
    "/{int:batch_id}",
    response=BatchOut,
    url_name="batch_get",
    summary="A batch's progress and counts",
)
def batch_get(request, batch_id: int):
    return _out(_readable(request, batch_id))


@router.get(
    "/{int:batch_id}/report.csv",
    url_name="batch_report",
    summary="The Batch Operations Report (CSV)",
    response={200: None},
)
def batch_report(request, batch_id: int):
    batch = _readable(request, batch_id)
    return csv_response(
        services.report_export(actor=request.user, batch=batch),
        filename=services.report_filename(batch),
    )


@router.post("/{int:batch_id}/resume", response={202: BatchOut}, summary="Resume a stopped batch")
def batch_resume(request, batch_id: int):
    require_privilege(request.user, Privilege.ACCOUNTS_BULK)
    batch = services.batch_resume(actor=request.user, batch=_readable(request, batch_id))
    return Status(202, _out(batch))


@template_router.get(
    "/{slug}/csv-template", summary="The CSV template of an organization", response={200: None}
)
def csv_template(request, slug: str, permission_group: str = ""):
    require_privilege(request.user, Privilege.ACCOUNTS_BULK)
    org = get_object_for(request.user, Organization.objects, slug=slug)
    group = services.resolve_permission_group(org, permission_group or None)
    return csv_file_response(
        services.template_csv(organization=org, permission_group=group),
        filename=services.template_filename(org, group),
    )
