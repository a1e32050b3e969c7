from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, is_operator, privilege_required
from portal.lib.errors import DomainError
from portal.organizations import services
from portal.organizations.choices import organization_from_choice, organizations_in_scope
from portal.organizations.forms import OrganizationCreateForm, OrganizationSettingsForm
from portal.organizations.models import Feature, Organization


def _form_errors(form, error: DomainError) -> None:
    for field, reasons in error.fields.items():
        if field in form.fields:
            form.add_error(field, reasons)
    form.add_error(None, error.message)


@privilege_required(Privilege.ORGANIZATIONS)
def organization_list(request):
    orgs = organizations_in_scope(request.user)
    stats = {
        row["pk"]: row
        for row in Organization.objects.filter(pk__in=[o.pk for o in orgs])
        .values("pk")
        .annotate(
            numbers_total=Count("numbers", distinct=True),
            numbers_available=Count(
                "numbers", filter=Q(numbers__status="available"), distinct=True
            ),
        )
    }
    labels = dict(Feature.choices)
    for org in orgs:
        org.stats = stats.get(org.pk, {})
        org.feature_labels = [str(labels[f]).split(" (")[0] for f in org.features if f in labels]
    return render(
        request,
        "organizations/list.html",
        {
            "nav": "organizations",
            "organizations": orgs,
            "can_create": True,
        },
    )


@privilege_required(Privilege.ORGANIZATIONS)
def organization_create(request):
    form = OrganizationCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            parent = (
                organization_from_choice(request.user, data["parent"]) if data["parent"] else None
            )
            org = services.organization_create(
                actor=request.user,
                name=data["name"],
                slug=data["slug"],
                parent=parent,
                features=data["features"],
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("Created %(name)s, with the permission group “default cos for %(slug)s”.")
                % {"name": org.name, "slug": org.slug},
            )
            return redirect("organizations:edit", slug=org.slug)
    return render(request, "organizations/create.html", {"nav": "organizations", "form": form})


@privilege_required(Privilege.ORGANIZATIONS)
def organization_edit(request, slug):
    org = get_object_for(request.user, Organization.objects.all(), slug=slug)
    form = OrganizationSettingsForm(request.POST or None, user=request.user, organization=org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organization_update(
                actor=request.user,
                organization=org,
                name=data["name"],
                features=data["features"] if is_operator(request.user) else None,
                report_recipients=data["report_recipients"],
                **form.settings(),
            )
        except DomainError as error:
            org.refresh_from_db()
            _form_errors(form, error)
        else:
            messages.success(request, _("Saved the settings of %(name)s.") % {"name": org.name})
            return redirect("organizations:edit", slug=org.slug)
    children = org.children.all()
    return render(
        request,
        "organizations/edit.html",
        {
            "nav": "organizations",
            "org": org,
            "form": form,
            "children": children,
        },
    )
