"""The Accounts screens: list (search, filters, keyset pages, CSV export), Add Account, detail."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, privilege_required
from portal.accounts import listing
from portal.accounts.forms import AccountAddForm, AccountFilterForm
from portal.accounts.models import Account
from portal.accounts.selectors import capacity_parts
from portal.accounts.services import account_add, accounts_export
from portal.audit.models import AuditEvent
from portal.lib.csvexport import csv_download
from portal.lib.errors import DomainError
from portal.organizations.models import Organization


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _filters(request, organizations) -> tuple[listing.Filters, AccountFilterForm, list[str]]:
    """The list's filters from the query string, and what was wrong with them.

    A value that is not one of the choices (an unknown status, an organization outside the
    scope, which is just as unknown) is named in a message and not applied."""
    form = AccountFilterForm(request.GET or None, organizations=organizations)
    filters = listing.Filters(
        q=request.GET.get("q", "").strip()[:200], sort=listing.clean_sort(request.GET.get("sort"))
    )
    problems = []
    if form.is_bound and not form.is_valid():
        for name in form.errors:
            value = request.GET.get(name, "")
            problem = _(
                "%(filter)s: “%(value)s” is not one of the choices, so this filter is not applied."
            )
            problems.append(problem % {"filter": form[name].label, "value": value[:80]})
    data = form.cleaned_data if form.is_bound else {}
    filters.status = data.get("status", "")
    if data.get("organization"):
        filters.organization = next(o for o in organizations if o.slug == data["organization"])
    return filters, form, problems


@privilege_required(Privilege.ACCOUNTS)
def account_list(request):
    # What the filter shows of each (500 organizations for an operator: no more than that).
    organizations = list(
        Organization.objects.visible_to(request.user).order_by("name").only("id", "slug", "name")
    )
    filters, form, problems = _filters(request, organizations)
    queryset = listing.filtered(request.user, filters)
    page = listing.keyset_page(
        listing.with_relations(queryset),
        after=_int(request.GET.get("after")),
        before=_int(request.GET.get("before")),
        sort=filters.sort,
    )
    if page.next_after is None and page.prev_before is None and not request.GET.get("after"):
        count, capped = len(page.items), False  # every match is on this page: nothing to count
    else:
        count, capped = listing.capped_count(queryset, listing.count_cap(filters))
    rows = [(account, listing.latest_invitation(account)) for account in page.items]
    base = filters.query_string()
    return render(
        request,
        "accounts/list.html",
        {
            "nav": "accounts",
            "form": form,
            "filters": filters,
            "rows": rows,
            "page": page,
            "count": count,
            "capped": capped,
            "count_cap": listing.count_cap(filters),
            "base_query": base,
            "show_organization": len(organizations) > 1,
            "now": timezone.now(),
            "filter_problems": problems,
            "sorts": _sort_links(filters),
        },
        status=400 if problems else 200,
    )


SORT_LABELS = {
    "name": gettext_lazy("Name"),
    "contact": gettext_lazy("Email or Device #"),
    "status": gettext_lazy("Status"),
}


def _sort_links(filters: listing.Filters) -> dict[str, dict]:
    """Per sortable column: the link that sorts by it (ascending, or descending when it is the
    current ascending sort) and its aria-sort state."""
    base = filters.query_string(sort=False)
    links = {}
    for column, label in SORT_LABELS.items():
        state = (
            "ascending"
            if filters.sort == column
            else "descending"
            if filters.sort == f"-{column}"
            else "none"
        )
        target = f"-{column}" if state == "ascending" else column
        links[column] = {
            "label": label,
            "state": state,
            "url": "?" + "&".join(p for p in (base, f"sort={target}") if p),
        }
    return links


@privilege_required(Privilege.ACCOUNTS)
def account_export(request):
    """Every account matching the list's current filters, streamed as CSV."""
    organizations = list(Organization.objects.visible_to(request.user))
    filters, _form, problems = _filters(request, organizations)
    if problems:
        # An export of personal data takes exactly the filters asked for, never "all" instead.
        reasons = " ".join(problems)
        raise DomainError(_("Nothing was exported: %(problems)s") % {"problems": reasons})
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return csv_download(
        accounts_export(actor=request.user, filters=filters),
        header=listing.EXPORT_COLUMNS,
        filename=f"accounts-{stamp}.csv",
        made_safe=True,  # export_rows makes its cells safe itself
    )


def _default_organization(user, organizations: list[Organization]) -> Organization | None:
    """Preselect the organization when the admin has only one (its sub-organizations aside)."""
    if len(organizations) == 1:
        return organizations[0]
    profile = getattr(user, "admin", None) if hasattr(user, "admin") else None
    if profile is not None:
        roots = list(profile.organizations.all()[:2])
        if len(roots) == 1:
            return roots[0]
    return None


def _capacity_context(organization) -> dict:
    """How many more users the organization can invite without a number, and why (for the help)."""
    if organization is None:
        return {}
    available, waiting = capacity_parts(organization)
    return {
        "capacity": max(available - waiting, 0),
        "available": available,
        "promised": min(waiting, available),
    }


# What Add Account keeps when the admin switches the organization: what does not depend on it.
KEPT_ON_SWITCH = ("first_name", "last_name", "email", "forwarding_number")


@privilege_required(Privilege.ACCOUNTS)
def account_add_view(request):
    organizations = list(Organization.objects.visible_to(request.user).order_by("name"))
    slug = (
        request.POST.get("organization")
        if request.method == "POST"
        else request.GET.get("organization")
    )
    if slug:
        organization = get_object_for(request.user, Organization.objects, slug=slug)
    else:
        organization = _default_organization(request.user, organizations)
    switching = request.method == "POST" and request.POST.get("action") == "switch"
    if switching:
        # The organization changed: a fresh form for it, keeping what was typed that does not
        # depend on the organization (POSTed, so names and addresses stay out of URLs and logs).
        form = AccountAddForm(
            organizations=organizations,
            organization=organization,
            initial={name: request.POST.get(name, "") for name in KEPT_ON_SWITCH},
        )
    else:
        form = AccountAddForm(
            request.POST if request.method == "POST" and slug else None,
            organizations=organizations,
            organization=organization,
        )
    error_message = ""
    if switching:
        pass  # Nothing to validate yet: the admin sees the new organization's form.
    elif request.method == "POST" and organization is not None and form.is_valid():
        invite = request.POST.get("action") == "invite"
        try:
            account_add(
                actor=request.user,
                organization=organization,
                data=form.service_data(),
                permission_group=form.cleaned_data["permission_group"],
                invite=invite,
            )
        except DomainError as error:
            form.add_domain_error(error)
            error_message = _("The account was not added: %(reason)s") % {"reason": error.message}
        else:
            done = _("Account added and invitation queued.") if invite else _("Account added.")
            messages.success(request, done)
            return redirect("accounts:list")
    elif request.method == "POST" and form.is_bound:
        error_message = _("Please correct the fields marked below.")
    elif request.method == "POST":
        error_message = _("Choose an organization.")
    reveal_number = bool(
        form.is_bound and (form.data.get("assign") or form.data.get("typed_number"))
    )
    return render(
        request,
        "accounts/add.html",
        {
            "nav": "accounts",
            "form": form,
            "organization": organization,
            "error_message": error_message,
            "reveal_number": reveal_number,
            **_capacity_context(organization),
        },
        status=400 if error_message else 200,
    )


@privilege_required(Privilege.ACCOUNTS)
def account_detail(request, account_id: int):
    account = get_object_for(
        request.user,
        Account.objects.select_related("organization", "permission_group", "number"),
        pk=account_id,
    )
    invitations = list(account.invitations.order_by("-id")[:50])
    events = list(
        AuditEvent.objects.filter(target_type="account", target_id=str(account.pk)).order_by("-id")[
            :100
        ]
    )
    return render(
        request,
        "accounts/detail.html",
        {
            "nav": "accounts",
            "account": account,
            "invitations": invitations,
            "events": events,
            "language": listing.LANGUAGE_LABELS.get(account.language, ""),
        },
    )
