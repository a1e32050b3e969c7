"""Multiple Accounts (upload, progress, summary), Batch Operation Reports, the CSV template."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, has_privilege, privilege_required
from portal.batches import services
from portal.batches.models import Batch
from portal.lib.csvexport import csv_file_response, csv_response
from portal.lib.errors import DomainError, Forbidden
from portal.organizations.models import Organization
from portal.permissions.models import PermissionGroup

MODES = {"dry_run": (False, True), "import": (False, False), "invite": (True, False)}


class UploadForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        label=gettext_lazy("Choose Organization"),
        empty_label=gettext_lazy("Choose an organization"),
    )
    permission_group = forms.ModelChoiceField(
        queryset=PermissionGroup.objects.none(),
        label=gettext_lazy("User Permissions"),
        empty_label=gettext_lazy("Choose User Permissions"),
    )
    file = forms.FileField(label=gettext_lazy("CSV or Excel file"))
    mode = forms.ChoiceField(choices=[(m, m) for m in MODES], initial="import")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.visible_to(user).order_by(
            "name"
        )
        self.fields["permission_group"].queryset = (
            PermissionGroup.objects.visible_to(user).select_related("organization").order_by("name")
        )

    def clean(self):
        data = super().clean()
        org, group = data.get("organization"), data.get("permission_group")
        if org and group and group.organization_id != org.pk:
            self.add_error(
                "permission_group",
                _("“%(group)s” is a User Permissions group of %(organization)s, not of %(org)s.")
                % {"group": group, "organization": group.organization, "org": org},
            )
        return data


def _require_batch_access(user) -> None:
    if not (has_privilege(user, Privilege.ACCOUNTS_BULK) or has_privilege(user, Privilege.REPORTS)):
        raise Forbidden(
            _("This needs the Accounts Bulk Operations or the Reports privilege in your role.")
        )


def _batch(request, pk) -> Batch:
    _require_batch_access(request.user)
    batches = Batch.objects.select_related("organization", "permission_group", "created_by")
    return get_object_for(request.user, batches, pk=pk)


@privilege_required(Privilege.ACCOUNTS_BULK)
def upload(request):
    refusal, status = "", 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            invite, dry_run = MODES[form.cleaned_data["mode"]]
            upload_file = form.cleaned_data["file"]
            try:
                batch = services.batch_create(
                    actor=request.user,
                    organization=form.cleaned_data["organization"],
                    permission_group=form.cleaned_data["permission_group"],
                    filename=upload_file.name,
                    data=services.upload_bytes(upload_file, upload_file.name),
                    invite=invite,
                    dry_run=dry_run,
                )
            except DomainError as error:
                refusal, status = error.message, error.status
            else:
                return redirect("batches:detail", pk=batch.pk)
    else:
        form = UploadForm(
            user=request.user,
            initial={
                "organization": request.GET.get("organization"),
                "permission_group": request.GET.get("permission_group"),
            },
        )
    groups = form.fields["permission_group"].queryset
    return render(
        request,
        "batches/upload.html",
        {
            "nav": "accounts",
            "form": form,
            "refusal": refusal,
            "groups": groups,
            "max_rows": services.settings.BATCH_MAX_ROWS,
            "status": status,
        },
        status=status if refusal else (400 if form.errors else 200),
    )


@privilege_required(Privilege.ACCOUNTS_BULK)
@require_GET
def template(request):
    """The CSV template: the chosen organization's (its columns), or, before one is chosen (step 1
    of the article), the general one with every column."""
    slug = request.GET.get("organization", "")
    organization = get_object_for(request.user, Organization.objects, slug=slug) if slug else None
    group = (
        services.resolve_permission_group(organization, request.GET.get("permission_group") or None)
        if organization is not None
        else None
    )
    return csv_file_response(
        services.template_csv(organization=organization, permission_group=group),
        filename=services.template_filename(organization, group),
    )


@login_required
def detail(request, pk):
    batch = _batch(request, pk)
    return render(
        request,
        "batches/detail.html",
        {
            "nav": "batches" if has_privilege(request.user, Privilege.REPORTS) else "accounts",
            "batch": batch,
            "failed_rows": services.failed_rows(batch) if batch.finished else [],
            "can_resume": has_privilege(request.user, Privilege.ACCOUNTS_BULK),
        },
    )


@login_required
def progress(request, pk):
    batch = _batch(request, pk)
    return JsonResponse(progress_of(batch))


def progress_of(batch: Batch) -> dict:
    return {
        "id": batch.pk,
        "status": batch.status,
        "total": batch.total,
        "processed": batch.processed,
        "succeeded": batch.succeeded,
        "failed": batch.failed,
        "existing": batch.existing,
        "invited": batch.invited,
        "percent": batch.percent,
        "finished": batch.finished,
        "report_url": reverse("batches:report", args=[batch.pk]),
    }


@login_required
def report(request, pk):
    batch = _batch(request, pk)
    return csv_response(
        services.report_export(actor=request.user, batch=batch),
        filename=services.report_filename(batch),
    )


@privilege_required(Privilege.ACCOUNTS_BULK)
@require_POST
def resume(request, pk):
    batch = _batch(request, pk)
    services.batch_resume(actor=request.user, batch=batch)
    return redirect("batches:detail", pk=batch.pk)


@privilege_required(Privilege.REPORTS)
def batch_list(request):
    batches = Batch.objects.visible_to(request.user).select_related(
        "organization", "permission_group", "created_by"
    )
    organization = request.GET.get("organization", "")
    if organization:
        batches = batches.filter(organization__slug=organization)
    page = Paginator(batches, services.settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "batches/list.html",
        {
            "nav": "batches",
            "page": page,
            "organizations": Organization.objects.visible_to(request.user).order_by("name"),
            "organization": organization,
        },
    )
