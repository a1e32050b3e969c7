"""Portal pages of the account lifecycle: Move, Edit, Suspend, Reactivate, Delete, and bulk job progress.

The Accounts screen's `<form id="bulk">` posts the checked `ids` and its filters here. Each page first
shows what the action applies to (the selection, or every account matching the filters) and asks
to confirm; the confirmed POST runs it and shows the result per account, or the job's progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, has_privilege, privilege_required
from portal.accounts import lifecycle
from portal.accounts.models import Account, AccountStatus
from portal.lib.errors import DomainError, NotFound
from portal.organizations.models import Feature, Language, Organization
from portal.permissions.models import PermissionGroup

ACTION_TEXT = {
    "suspend": ("Suspend", ("Suspended accounts cannot use MultiLine; their numbers go back to available "
                            "and their pending invitations stop working.")),
    "reactivate": ("Reactivate", ("An account that had activated takes an available number of its "
                                  "organization and is active again; one that had not goes back to “not invited”.")),
    "delete": ("Delete", ("Deleting cannot be undone. Numbers go back to available; the email address or "
                          "device number can be invited again. The activity log keeps a record.")),
}


@dataclass
class Selection:
    """What the admin chose on the Accounts screen: checked ids, or every account matching its filters."""

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
        scope = data.get("scope") or ("selected" if ids else "filter")
        return cls(ids=ids, q=data.get("q", "").strip()[:200], status=data.get("status", ""),
                   organization=data.get("organization", ""), scope="filter" if scope == "filter" else "selected")

    @property
    def by_filter(self) -> bool:
        return self.scope == "filter"

    def accounts(self, user):
        return lifecycle.select_accounts(user, ids=self.ids, by_filter=self.by_filter, q=self.q,
                                         status=self.status if self.status in AccountStatus.values else "",
                                         organization=self.organization)

    def filter_text(self) -> str:
        parts = []
        if self.q:
            parts.append(f"search “{self.q}”")
        if self.status in AccountStatus.values:
            parts.append(f"status {AccountStatus(self.status).label}")
        if self.organization:
            parts.append(f"organization {self.organization}")
        return ", ".join(parts) or "no filter: every account you administer"

    def query(self, **extra) -> str:
        params = [("ids", i) for i in self.ids] + [(k, v) for k, v in (
            ("q", self.q), ("status", self.status), ("organization", self.organization), ("scope", self.scope)) if v]
        params += list(extra.items())
        return urlencode(params)

    def as_filter_query(self) -> str:
        return urlencode([(k, v) for k, v in (("q", self.q), ("status", self.status),
                                              ("organization", self.organization)) if v] + [("scope", "filter")])

    def list_url(self) -> str:
        from django.urls import reverse

        query = urlencode({k: v for k, v in (("q", self.q), ("status", self.status),
                                             ("organization", self.organization)) if v})
        return reverse("accounts:list") + (f"?{query}" if query else "")


def _context(request, selection: Selection, action: str) -> dict:
    """What every confirm page shows: the count, the filters, and whether the admin may run it."""
    accounts = selection.accounts(request.user)
    count = accounts.count()
    needs_bulk = selection.by_filter or count > 1
    filter_count = None
    if not selection.by_filter and selection.ids:
        filter_count = Selection(q=selection.q, status=selection.status, organization=selection.organization,
                                 scope="filter").accounts(request.user).count()
    blocked = ""
    if needs_bulk and not has_privilege(request.user, Privilege.ACCOUNTS_BULK):
        blocked = "Acting on more than one account needs the Accounts Bulk Operations privilege in your role."
    elif count == 0:
        blocked = "No account matches: nothing to do."
    return {
        "nav": "accounts",
        "action": action,
        "selection": selection,
        "accounts": accounts,
        "sample": list(accounts.select_related("organization", "number")[:10]),
        "count": count,
        "filter_count": filter_count,
        "blocked": blocked,
        "threshold": lifecycle.BULK_TASK_THRESHOLD,
    }


def _finish(request, outcome: lifecycle.BulkOutcome, title: str, back: str):
    if outcome.job is not None:
        return redirect("accounts:job", job_id=outcome.job.pk)
    return render(request, "accounts/lifecycle/results.html", {
        "nav": "accounts", "title": title, "results": outcome.results, "done": outcome.done,
        "skipped": outcome.skipped, "back": back,
    })


def _selection_or_error(request):
    selection = Selection.from_request(request)
    try:
        selection.accounts(request.user)
    except NotFound:
        raise
    except DomainError as error:
        return selection, error
    return selection, None


def _nothing_chosen(request, error: DomainError, selection: Selection):
    return render(request, "portal/error.html", {"title": "Nothing to do", "message": error.message,
                                                  "nav": "accounts"}, status=400)


# ---------------------------------------------------------------- move

@privilege_required(Privilege.ACCOUNTS)
def move(request):
    selection, error = _selection_or_error(request)
    if error:
        return _nothing_chosen(request, error, selection)
    context = _context(request, selection, "move")
    destinations = list(Organization.objects.visible_to(request.user).order_by("name"))
    plans = lifecycle.move_plans(context["accounts"], destinations)
    chosen_slug = request.POST.get("to") or request.GET.get("to") or ""
    chosen = next((p for p in plans if p.destination.slug == chosen_slug), None)
    message, status = "", 200
    if request.method == "POST" and request.POST.get("confirm") and not context["blocked"]:
        if chosen is None:
            message, status = "Choose the organization to move the accounts to.", 400
        else:
            try:
                outcome = lifecycle.bulk_run(actor=request.user, action="move", accounts=context["accounts"],
                                             by_filter=selection.by_filter,
                                             params={"organization": chosen.destination})
            except DomainError as refused:
                message, status = refused.message, refused.status
                plans = lifecycle.move_plans(context["accounts"], destinations)
                chosen = next((p for p in plans if p.destination.slug == chosen_slug), None)
            else:
                return _finish(request, outcome, f"Move to {chosen.destination}", selection.list_url())
    return render(request, "accounts/lifecycle/move.html", {
        **context, "plans": plans, "chosen": chosen, "message": message,
    }, status=status)


# ---------------------------------------------------------------- suspend, reactivate, delete

def _simple(action: str):
    @privilege_required(Privilege.ACCOUNTS)
    def view(request):
        selection, error = _selection_or_error(request)
        if error:
            return _nothing_chosen(request, error, selection)
        context = _context(request, selection, action)
        message = ""
        if request.method == "POST" and request.POST.get("confirm") and not context["blocked"]:
            params = {"reason": request.POST.get("reason", "")[:400]} if action == "suspend" else {}
            try:
                outcome = lifecycle.bulk_run(actor=request.user, action=action, accounts=context["accounts"],
                                             by_filter=selection.by_filter, params=params)
            except DomainError as refused:
                message = refused.message
            else:
                return _finish(request, outcome, ACTION_TEXT[action][0], selection.list_url())
        title, explanation = ACTION_TEXT[action]
        return render(request, "accounts/lifecycle/confirm.html", {
            **context, "title": title, "explanation": explanation, "message": message,
        }, status=400 if message else 200)

    view.__name__ = f"{action}_view"
    return view


suspend = _simple("suspend")
reactivate = _simple("reactivate")
delete = _simple("delete")


# ---------------------------------------------------------------- edit (bulk)

YES_NO_KEEP = [("", "— keep —"), ("yes", "On"), ("no", "Off")]


class BulkEditForm(forms.Form):
    permission_group = forms.ChoiceField(required=False, label="User Permissions")
    language = forms.ChoiceField(required=False, choices=[("", "— keep —"), *Language.choices])
    social_messaging = forms.ChoiceField(required=False, choices=YES_NO_KEEP, label="Social messaging")
    monitor_calls = forms.ChoiceField(required=False, label="Record calls",
                                      choices=[("", "— keep —"), ("auto", "auto (records calls)"), ("off", "off")])
    monitor_sms = forms.ChoiceField(required=False, label="Record SMS",
                                    choices=[("", "— keep —"), ("on", "on (records SMS)"), ("off", "off")])

    def __init__(self, *args, group_names, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permission_group"].choices = [("", "— keep —")] + [(n, n) for n in group_names]

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v}


@privilege_required(Privilege.ACCOUNTS)
def edit_many(request):
    selection, error = _selection_or_error(request)
    if error:
        return _nothing_chosen(request, error, selection)
    context = _context(request, selection, "edit")
    org_ids = context["accounts"].order_by().values_list("organization_id", flat=True).distinct()
    group_names = sorted(set(PermissionGroup.objects.filter(organization_id__in=org_ids)
                             .values_list("name", flat=True)))
    form = BulkEditForm(request.POST if request.POST.get("confirm") else None, group_names=group_names)
    message = ""
    if form.is_bound and form.is_valid() and not context["blocked"]:
        try:
            outcome = lifecycle.bulk_run(actor=request.user, action="edit", accounts=context["accounts"],
                                         by_filter=selection.by_filter, params={"changes": form.changes()})
        except DomainError as refused:
            message = refused.message
        else:
            return _finish(request, outcome, "Edit", selection.list_url())
    return render(request, "accounts/lifecycle/edit_many.html", {**context, "form": form, "message": message},
                  status=400 if message else 200)


# ---------------------------------------------------------------- edit (one)

class AccountEditForm(forms.Form):
    first_name = forms.CharField(required=False, max_length=100, label="First Name")
    last_name = forms.CharField(required=False, max_length=100, label="Last Name")
    email = forms.CharField(max_length=254, label="Email or Device #")
    multiline_number = forms.CharField(required=False, label="MultiLine number",
                                       help_text="A free number of the organization; empty for none.")
    permission_group = forms.ModelChoiceField(queryset=PermissionGroup.objects.none(), label="User Permissions",
                                              empty_label=None)
    social_messaging = forms.BooleanField(required=False, label="Social messaging (WhatsApp, WeChat, LINE)")
    restrict_incoming_social_messaging = forms.BooleanField(required=False,
                                                            label="Restrict incoming social messaging")
    monitor_calls = forms.BooleanField(required=False, label="Record calls (monitor_calls: auto)")
    monitor_sms = forms.BooleanField(required=False, label="Record SMS (monitor_sms: on)")
    forwarding_number = forms.CharField(required=False, max_length=25, label="Forwarding number")
    language = forms.ChoiceField(required=False, choices=[("", "Organization default"), *Language.choices])

    FEATURE_FIELDS = {
        "social_messaging": Feature.SOCIAL_MESSAGING,
        "restrict_incoming_social_messaging": Feature.SOCIAL_MESSAGING,
        "monitor_calls": Feature.CALL_RECORDING,
        "monitor_sms": Feature.SMS_RECORDING,
    }

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        organization = account.organization
        self.fields["permission_group"].queryset = PermissionGroup.objects.filter(organization=organization)
        for name, feature in self.FEATURE_FIELDS.items():
            if not organization.has_feature(feature):
                del self.fields[name]  # Only the organization's features are offered (as when adding).

    @classmethod
    def initial_for(cls, account: Account) -> dict:
        return {
            "first_name": account.first_name, "last_name": account.last_name, "email": account.contact,
            "multiline_number": account.number.e164 if account.number_id else "",
            "permission_group": account.permission_group_id, "social_messaging": account.social_messaging,
            "restrict_incoming_social_messaging": bool(account.restrict_incoming_social_messaging),
            "monitor_calls": account.monitor_calls == "auto", "monitor_sms": account.monitor_sms == "on",
            "forwarding_number": account.forwarding_number, "language": account.language,
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
                "true" if data.get("restrict_incoming_social_messaging") and data["social_messaging"] == "yes" else "")
        data["multiline_number"] = data["multiline_number"].strip() or None
        return data

    def add_domain_error(self, error: DomainError) -> None:
        for column, reasons in error.fields.items():
            name = {"number_tag": "multiline_number", "firstname": "first_name", "lastname": "last_name",
                    "device_number": "email"}.get(column, column)
            for reason in reasons:
                self.add_error(name if name in self.fields else None, reason)


@privilege_required(Privilege.ACCOUNTS)
def edit(request, account_id: int):
    account = get_object_for(request.user, Account.objects.select_related("organization", "number",
                                                                          "permission_group"), pk=account_id)
    form = AccountEditForm(request.POST or None, account=account, initial=AccountEditForm.initial_for(account))
    message = ""
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.account_edit(actor=request.user, account=account, data=form.service_data())
        except DomainError as error:
            form.add_domain_error(error)
            message = error.message
        else:
            from django.contrib import messages

            messages.success(request, "Account saved.")
            return redirect("accounts:detail", account_id=account.pk)
    elif request.method == "POST":
        message = "Please correct the fields marked below."
    return render(request, "accounts/lifecycle/edit.html", {
        "nav": "accounts", "account": account, "form": form, "message": message,
        "single": {"ids": account.pk},
    }, status=400 if message else 200)


# ---------------------------------------------------------------- jobs

@login_required
def job(request, job_id: int):
    from portal.jobs.models import BulkJob

    job = get_object_for(request.user, BulkJob.objects, pk=job_id)
    results = job.results if job.finished else []
    return render(request, "accounts/lifecycle/job.html", {
        "nav": "accounts", "job": job, "results": results, "title": job.action.capitalize(),
    })


@login_required
def job_progress(request, job_id: int):
    from portal.jobs.models import BulkJob

    job = get_object_for(request.user, BulkJob.objects, pk=job_id)
    return JsonResponse({"status": job.status, "total": job.total, "processed": job.processed,
                         "done": job.done, "skipped": job.skipped, "percent": job.percent, "error": job.error,
                         "finished": job.finished})


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
