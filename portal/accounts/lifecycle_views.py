"""Portal pages of the account lifecycle: Move, Edit,
Suspend, Reactivate, Delete, and bulk job progress.

The Accounts screen's `<form id="bulk">` posts the checked `ids` and its filters here. Each page
first shows what the action applies to (the selection, or every account matching the filters) and
asks to confirm; the confirmed POST runs it and shows the result per account, or the job's progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, has_privilege, privilege_required
from portal.accounts import columns, lifecycle
from portal.accounts.listing import language_choices
from portal.accounts.models import Account, AccountStatus
from portal.accounts.selection import select_accounts
from portal.jobs.models import BulkJob
from portal.jobs.services import job_record
from portal.lib.errors import DomainError, NotFound
from portal.lib.http import see_other
from portal.organizations.models import Organization
from portal.permissions.models import PermissionGroup

# Per action of a confirm page: its heading and what it does.
ACTION_TEXT = {
    "suspend": (
        gettext_lazy("Suspend accounts"),
        gettext_lazy(
            "Suspended accounts cannot use MultiLine; their numbers go back to available "
            "and their pending invitations stop working."
        ),
    ),
    "reactivate": (
        gettext_lazy("Reactivate accounts"),
        gettext_lazy(
            "An account that had activated takes an available number of its "
            "organization and is active again; one that had not goes back to “not invited”."
        ),
    ),
    "delete": (
        gettext_lazy("Delete accounts"),
        gettext_lazy(
            "Deleting cannot be undone. Numbers go back to available; the email address or "
            "device number can be invited again. The activity log keeps a record."
        ),
    ),
}


def confirm_button(action: str, count: int, by_filter: bool) -> str:
    """The label of a confirm page's button: "Suspend 3 accounts", "Delete all 1,200 accounts"."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    n = intcomma(count)
    if action == "suspend":
        if by_filter:
            text = ngettext("Suspend all %(n)s account", "Suspend all %(n)s accounts", count)
        else:
            text = ngettext("Suspend %(n)s account", "Suspend %(n)s accounts", count)
    elif action == "reactivate":
        if by_filter:
            text = ngettext("Reactivate all %(n)s account", "Reactivate all %(n)s accounts", count)
        else:
            text = ngettext("Reactivate %(n)s account", "Reactivate %(n)s accounts", count)
    elif action == "delete":
        if by_filter:
            text = ngettext("Delete all %(n)s account", "Delete all %(n)s accounts", count)
        else:
            text = ngettext("Delete %(n)s account", "Delete %(n)s accounts", count)
    elif action == "resend":
        if by_filter:
            text = ngettext("Resend to all %(n)s account", "Resend to all %(n)s accounts", count)
        else:
            text = ngettext("Resend to %(n)s account", "Resend to %(n)s accounts", count)
    else:
        return ""
    return text % {"n": n}


@dataclass
class Selection:
    """What the admin chose on the Accounts screen: the ticked ids, or — only when "All N matching"
    was chosen explicitly (`scope=filter`) — every account matching the list's filters."""

    ids: list[int] = field(default_factory=list)
    q: str = ""
    status: str = ""
    organization: str = ""
    scope: str = "selected"  # selected | filter

    @classmethod
    def from_request(cls, request) -> Selection:
        data = request.POST if request.method == "POST" else request.GET
        ids = []
        for raw in data.getlist("ids"):
            try:
                ids.append(int(raw))
            except ValueError:
                continue
        return cls(
            ids=ids,
            q=data.get("q", "").strip()[:200],
            status=data.get("status", ""),
            organization=data.get("organization", ""),
            scope="filter" if "filter" in data.getlist("scope") else "selected",
        )

    @property
    def by_filter(self) -> bool:
        return self.scope == "filter"

    def filters(self) -> dict:
        return {"q": self.q, "status": self.status, "organization": self.organization}

    def accounts(self, user):
        """The accounts concerned (`accounts.selection`): nothing ticked and no explicit
        "all matching" is a DomainError, never every account."""
        if self.by_filter:
            return select_accounts(user, filter=self.filters(), all_matching=True)
        return select_accounts(user, ids=self.ids)

    def filter_text(self) -> str:
        parts = []
        if self.q:
            parts.append(_("search “%(q)s”") % {"q": self.q})
        if self.status in AccountStatus.values:
            parts.append(_("status %(status)s") % {"status": AccountStatus(self.status).label})
        if self.organization:
            parts.append(_("organization %(slug)s") % {"slug": self.organization})
        return ", ".join(parts) or _("no filter: every account you administer")

    def as_filter_query(self) -> str:
        return urlencode([(k, v) for k, v in self.filters().items() if v] + [("scope", "filter")])

    def list_url(self) -> str:
        query = urlencode({k: v for k, v in self.filters().items() if v})
        return reverse("accounts:list") + (f"?{query}" if query else "")


def confirm_context(
    request, selection: Selection, action: str, *, bulk_privilege: bool = True
) -> dict:
    """What every confirm page shows: the count, the filters, and whether the admin may run it."""
    accounts = selection.accounts(request.user)
    count = accounts.count()
    needs_bulk = selection.by_filter or count > 1
    filter_count = None
    if not selection.by_filter and selection.ids:
        filter_count = (
            Selection(
                q=selection.q,
                status=selection.status,
                organization=selection.organization,
                scope="filter",
            )
            .accounts(request.user)
            .count()
        )
    blocked = ""
    forbidden = (
        bulk_privilege and needs_bulk and not has_privilege(request.user, Privilege.ACCOUNTS_BULK)
    )
    if forbidden:
        blocked = _(
            "Acting on more than one account needs the Accounts Bulk Operations privilege in your "
            "role."
        )
    elif count == 0:
        blocked = _("No account matches: nothing to do.")
    return {
        "nav": "accounts",
        "action": action,
        "selection": selection,
        "accounts": accounts,
        "sample": list(accounts.select_related("organization", "number")[:10]),
        "count": count,
        "filter_count": filter_count,
        "blocked": blocked,
        "status": 403 if forbidden else 200,  # the page explains the refusal; its answer is one
        "threshold": lifecycle.BULK_TASK_THRESHOLD,
        "typed_count_needed": selection.by_filter and action == "delete",
        "button": confirm_button(action, count, selection.by_filter),
    }


def unconfirmed(request, context: dict) -> str:
    """Why a confirming POST does not confirm what its page showed ("" when it does). "All N
    matching" runs only when N is still the count (`matching`), and a Delete of all matching only
    when the admin typed N (`typed_count`)."""
    if not context["selection"].by_filter:
        return ""
    count = context["count"]
    if request.POST.get("matching", "") != str(count):
        return _(
            "The accounts matching the filter changed since the page was shown: %(count)s now. "
            "Check them and confirm again."
        ) % {"count": count}
    if context["typed_count_needed"] and request.POST.get("typed_count", "").strip() != str(count):
        return _("Type %(count)s, the number of accounts to delete, to confirm.") % {"count": count}
    return ""


def finish(request, *, action: str, results: list[dict], back: str, job=None):
    """POST/redirect/GET: keep the results (or the running job) and answer a 303 to its page."""
    if job is None:
        job = job_record(actor=request.user, action=action, results=results, params={"back": back})
    return see_other("accounts:job", job_id=job.pk)


def _finish(request, outcome: lifecycle.BulkOutcome, action: str, back: str):
    return finish(
        request,
        action=action,
        results=[r.as_dict() for r in outcome.results],
        back=back,
        job=outcome.job,
    )


def selection_or_refusal(request) -> tuple[Selection, object | None]:
    """The selection, or a 303 back to the Accounts screen saying why there is none (no account
    ticked, a bad filter): the refusal a browser without JavaScript sees."""
    selection = Selection.from_request(request)
    try:
        selection.accounts(request.user)
    except NotFound:
        raise
    except DomainError as error:
        message = error.message
        if "ids" in error.fields and not selection.ids:
            message = _("Select at least one account, or choose “All matching”, first.")
        messages.error(request, message)
        return selection, see_other(selection.list_url())
    return selection, None


# ---------------------------------------------------------------- move


@privilege_required(Privilege.ACCOUNTS)
def move(request):
    selection, refusal = selection_or_refusal(request)
    if refusal:
        return refusal
    context = confirm_context(request, selection, "move")
    destinations = list(Organization.objects.visible_to(request.user).order_by("name"))
    plans = lifecycle.move_plans(context["accounts"], destinations)
    chosen_slug = request.POST.get("to") or request.GET.get("to") or ""
    chosen = next((p for p in plans if p.destination.slug == chosen_slug), None)
    message, status = "", context["status"]
    if request.method == "POST" and request.POST.get("confirm") and not context["blocked"]:
        message = unconfirmed(request, context)
        if message:
            status = 400
        elif chosen is None:
            message, status = _("Choose the organization to move the accounts to."), 400
        else:
            try:
                outcome = lifecycle.bulk_run(
                    actor=request.user,
                    action="move",
                    accounts=context["accounts"],
                    by_filter=selection.by_filter,
                    params={"organization": chosen.destination},
                )
            except DomainError as refused:
                message, status = refused.message, refused.status
                plans = lifecycle.move_plans(context["accounts"], destinations)
                chosen = next((p for p in plans if p.destination.slug == chosen_slug), None)
            else:
                return _finish(request, outcome, "move", selection.list_url())
    return render(
        request,
        "accounts/lifecycle/move.html",
        {
            **context,
            "plans": plans,
            "chosen": chosen,
            "message": message,
        },
        status=status,
    )


# ---------------------------------------------------------------- suspend, reactivate, delete


def _simple(action: str):
    @privilege_required(Privilege.ACCOUNTS)
    def view(request):
        selection, refusal = selection_or_refusal(request)
        if refusal:
            return refusal
        context = confirm_context(request, selection, action)
        message = ""
        if request.method == "POST" and request.POST.get("confirm") and not context["blocked"]:
            params = {"reason": request.POST.get("reason", "")[:400]} if action == "suspend" else {}
            message = unconfirmed(request, context)
            try:
                if message:
                    raise DomainError(message)
                outcome = lifecycle.bulk_run(
                    actor=request.user,
                    action=action,
                    accounts=context["accounts"],
                    by_filter=selection.by_filter,
                    params=params,
                )
            except DomainError as refused:
                message = refused.message
            else:
                return _finish(request, outcome, action, selection.list_url())
        heading, explanation = ACTION_TEXT[action]
        return render(
            request,
            "accounts/lifecycle/confirm.html",
            {
                **context,
                "title": heading,
                "heading": heading,
                "explanation": explanation,
                "message": message,
            },
            status=400 if message else context["status"],
        )

    view.__name__ = f"{action}_view"
    return view


suspend = _simple("suspend")
reactivate = _simple("reactivate")
delete = _simple("delete")


# ---------------------------------------------------------------- edit (bulk)

KEEP = gettext_lazy("— keep —")
YES_NO_KEEP = [("", KEEP), ("yes", gettext_lazy("On")), ("no", gettext_lazy("Off"))]


class BulkEditForm(forms.Form):
    permission_group = forms.ChoiceField(required=False, label=gettext_lazy("User Permissions"))
    language = forms.ChoiceField(
        required=False, label=gettext_lazy("Language"), choices=[("", KEEP), *language_choices()]
    )
    social_messaging = forms.ChoiceField(
        required=False, choices=YES_NO_KEEP, label=gettext_lazy("Social messaging")
    )
    # The values auto/on/off are the article's (CSV) values: they stay as they are.
    monitor_calls = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Record calls"),
        choices=[("", KEEP), ("auto", gettext_lazy("auto (records calls)")), ("off", "off")],
    )
    monitor_sms = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Record SMS"),
        choices=[("", KEEP), ("on", gettext_lazy("on (records SMS)")), ("off", "off")],
    )

    def __init__(self, *args, group_names, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permission_group"].choices = [("", KEEP)] + [(n, n) for n in group_names]

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v}


@privilege_required(Privilege.ACCOUNTS)
def edit_many(request):
    selection, refusal = selection_or_refusal(request)
    if refusal:
        return refusal
    context = confirm_context(request, selection, "edit")
    org_ids = context["accounts"].order_by().values_list("organization_id", flat=True).distinct()
    group_names = sorted(
        set(
            PermissionGroup.objects.filter(organization_id__in=org_ids).values_list(
                "name", flat=True
            )
        )
    )
    form = BulkEditForm(
        request.POST if request.POST.get("confirm") else None, group_names=group_names
    )
    message = ""
    if form.is_bound and form.is_valid() and not context["blocked"]:
        try:
            message = unconfirmed(request, context)
            if message:
                raise DomainError(message)
            outcome = lifecycle.bulk_run(
                actor=request.user,
                action="edit",
                accounts=context["accounts"],
                by_filter=selection.by_filter,
                params={"changes": form.changes()},
            )
        except DomainError as refused:
            message = refused.message
        else:
            return _finish(request, outcome, "edit", selection.list_url())
    return render(
        request,
        "accounts/lifecycle/edit_many.html",
        {**context, "form": form, "message": message},
        status=400 if message else context["status"],
    )


# ---------------------------------------------------------------- edit (one)


class AccountEditForm(forms.Form):
    # Labels and help of the account columns: their declaration (portal.accounts.columns).
    first_name = forms.CharField(required=False, max_length=100, label=columns.label("firstname"))
    last_name = forms.CharField(required=False, max_length=100, label=columns.label("lastname"))
    email = forms.CharField(max_length=254, label=columns.label("email"))
    multiline_number = forms.CharField(
        required=False,
        label=gettext_lazy("MultiLine number"),
        help_text=gettext_lazy("A free number of the organization; empty for none."),
    )
    permission_group = forms.ModelChoiceField(
        queryset=PermissionGroup.objects.none(),
        label=gettext_lazy("User Permissions"),
        empty_label=None,
    )
    social_messaging = forms.BooleanField(required=False, label=columns.label("social_messaging"))
    restrict_incoming_social_messaging = forms.BooleanField(
        required=False, label=columns.label("restrict_incoming_social_messaging")
    )
    monitor_calls = forms.BooleanField(required=False, label=columns.label("monitor_calls"))
    monitor_sms = forms.BooleanField(required=False, label=columns.label("monitor_sms"))
    forwarding_number = forms.CharField(
        required=False, max_length=25, label=columns.label("forwarding_number")
    )
    language = forms.ChoiceField(
        required=False,
        label=columns.label("language"),
        choices=[("", gettext_lazy("Organization default")), *language_choices()],
    )

    FEATURE_FIELDS = columns.FEATURE_FIELDS

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        organization = account.organization
        self.fields["permission_group"].queryset = PermissionGroup.objects.filter(
            organization=organization
        )
        for name, feature in self.FEATURE_FIELDS.items():
            if not organization.has_feature(feature):
                del self.fields[
                    name
                ]  # Only the organization's features are offered (as when adding).

    @classmethod
    def initial_for(cls, account: Account) -> dict:
        return {
            "first_name": account.first_name,
            "last_name": account.last_name,
            "email": account.contact,
            "multiline_number": account.number.e164 if account.number_id else "",
            "permission_group": account.permission_group_id,
            "social_messaging": account.social_messaging,
            "restrict_incoming_social_messaging": bool(account.restrict_incoming_social_messaging),
            "monitor_calls": account.monitor_calls == "auto",
            "monitor_sms": account.monitor_sms == "on",
            "forwarding_number": account.forwarding_number,
            "language": account.language,
        }

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["permission_group"] = data["permission_group"].name
        if "monitor_calls" in data:
            data["monitor_calls"] = "auto" if data["monitor_calls"] else "off"
        if "monitor_sms" in data:
            data["monitor_sms"] = "on" if data["monitor_sms"] else "off"
        if "social_messaging" in data:
            data["social_messaging"] = "yes" if data["social_messaging"] else "no"
            data["restrict_incoming_social_messaging"] = (
                "true"
                if data.get("restrict_incoming_social_messaging")
                and data["social_messaging"] == "yes"
                else ""
            )
        data["multiline_number"] = data["multiline_number"].strip() or None
        return data

    def add_domain_error(self, error: DomainError) -> None:
        for column, reasons in error.fields.items():
            name = {
                "number_tag": "multiline_number",
                "firstname": "first_name",
                "lastname": "last_name",
                "device_number": "email",
            }.get(column, column)
            for reason in reasons:
                self.add_error(name if name in self.fields else None, reason)


@privilege_required(Privilege.ACCOUNTS)
def edit(request, account_id: int):
    account = get_object_for(
        request.user,
        Account.objects.select_related("organization", "number", "permission_group"),
        pk=account_id,
    )
    form = AccountEditForm(
        request.POST or None, account=account, initial=AccountEditForm.initial_for(account)
    )
    message = ""
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.account_edit(actor=request.user, account=account, data=form.service_data())
        except DomainError as error:
            form.add_domain_error(error)
            message = error.message
        else:
            from django.contrib import messages

            messages.success(request, _("Account saved."))
            return redirect("accounts:detail", account_id=account.pk)
    elif request.method == "POST":
        message = _("Please correct the fields marked below.")
    return render(
        request,
        "accounts/lifecycle/edit.html",
        {
            "nav": "accounts",
            "account": account,
            "form": form,
            "message": message,
            "single": {"ids": account.pk},
        },
        status=400 if message else 200,
    )


# ---------------------------------------------------------------- jobs

JOB_TITLES = {
    "move": gettext_lazy("Move"),
    "edit": gettext_lazy("Edit"),
    "suspend": gettext_lazy("Suspend"),
    "reactivate": gettext_lazy("Reactivate"),
    "delete": gettext_lazy("Delete"),
    "resend": gettext_lazy("Resend Invitation"),
}


@privilege_required(Privilege.ACCOUNTS)  # as GET /api/v1/accounts/jobs/{id}
def job(request, job_id: int):
    job = get_object_for(request.user, BulkJob.objects, pk=job_id)
    results = job.results if job.finished else []
    back = job.params.get("back", "") if isinstance(job.params, dict) else ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("accounts:list")
    return render(
        request,
        "accounts/lifecycle/job.html",
        {
            "nav": "accounts",
            "job": job,
            "results": results,
            "back": back,
            "title": JOB_TITLES.get(job.action, job.action.capitalize()),
        },
    )


@privilege_required(Privilege.ACCOUNTS)
def job_progress(request, job_id: int):
    job = get_object_for(request.user, BulkJob.objects, pk=job_id)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "total": job.total,
            "processed": job.processed,
            "done": job.done,
            "skipped": job.skipped,
            "percent": job.percent,
            "error": job.error,
            "finished": job.finished,
        }
    )


urls = [
    path("move/", move, name="move"),
    path("suspend/", suspend, name="suspend"),
    path("reactivate/", reactivate, name="reactivate"),
    path("delete/", delete, name="delete"),
    path("edit/", edit_many, name="edit_many"),
    path("<int:account_id>/edit/", edit, name="edit"),
    path("jobs/<int:job_id>/", job, name="job"),
    path("jobs/<int:job_id>/progress.json", job_progress, name="job_progress"),
]
