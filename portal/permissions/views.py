from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.db.models.functions import Lower
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, privilege_required
from portal.lib.errors import DomainError
from portal.organizations.choices import organization_from_choice, organizations_in_scope
from portal.permissions import services
from portal.permissions.forms import GroupCreateForm
from portal.permissions.models import PermissionGroup


def _page(request, form, status=200):
    orgs = organizations_in_scope(request.user)
    groups = (
        PermissionGroup.objects.visible_to(request.user)
        .annotate(accounts_count=Count("accounts"))
        .order_by(Lower("name"))
    )
    by_org: dict[int, list] = {}
    for group in groups:
        by_org.setdefault(group.organization_id, []).append(group)
    for org in orgs:
        org.groups = by_org.get(org.pk, [])
    return render(
        request,
        "permissions/list.html",
        {"nav": "permissions", "organizations": orgs, "form": form},
        status=status,
    )


@privilege_required(Privilege.PERMISSIONS)
def group_list(request):
    initial = {"organization": request.GET.get("organization", "")}
    return _page(request, GroupCreateForm(user=request.user, initial=initial))


@require_POST
@privilege_required(Privilege.PERMISSIONS)
def group_create(request):
    form = GroupCreateForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            group = services.permission_group_create(
                actor=request.user,
                organization=organization_from_choice(request.user, data["organization"]),
                name=data["name"],
                default=data["default"],
            )
        except DomainError as error:
            form.add_error("name" if "name" in error.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Created “%(name)s” in %(organization)s.")
                % {"name": group.name, "organization": group.organization},
            )
            return redirect("permissions:list")
    return _page(request, form, status=400)


@require_POST
@privilege_required(Privilege.PERMISSIONS)
def group_rename(request, pk):
    group = get_object_for(
        request.user, PermissionGroup.objects.select_related("organization"), pk=pk
    )
    try:
        services.permission_group_rename(
            actor=request.user, group=group, name=request.POST.get("name", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Renamed to “%(name)s”.") % {"name": group.name})
    return redirect("permissions:list")


@require_POST
@privilege_required(Privilege.PERMISSIONS)
def group_set_default(request, pk):
    group = get_object_for(
        request.user, PermissionGroup.objects.select_related("organization"), pk=pk
    )
    services.permission_group_set_default(actor=request.user, group=group)
    messages.success(
        request,
        _("“%(name)s” is now the default group of %(organization)s.")
        % {"name": group.name, "organization": group.organization},
    )
    return redirect("permissions:list")
