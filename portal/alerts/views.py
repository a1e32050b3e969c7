"""The alerts Setup screen: each alert on or off, the utilisation level, who receives them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, privilege_required
from portal.alerts import services
from portal.lib.errors import DomainError
from portal.organizations.models import Organization
from portal.organizations.services import organization_admins


class AlertSettingsForm(forms.Form):
    account_moved = forms.BooleanField(
        required=False,
        label=gettext_lazy("Account moved"),
        help_text=gettext_lazy("To the admins of both organizations when accounts move."),
    )
    invitation_threshold = forms.BooleanField(
        required=False,
        label=gettext_lazy("Threshold exceeded for invitations"),
        help_text=gettext_lazy("When pending invitations need more numbers than are available."),
    )
    number_utilisation = forms.BooleanField(
        required=False,
        label=gettext_lazy("Number utilisation"),
        help_text=gettext_lazy("When the share of numbers in use goes above the level below."),
    )
    utilisation_percent = forms.IntegerField(
        min_value=1, max_value=100, label=gettext_lazy("Utilisation level (%)")
    )
    batch_finished = forms.BooleanField(
        required=False,
        label=gettext_lazy("Batch finished"),
        help_text=gettext_lazy("A summary of each finished CSV batch."),
    )
    report_recipients = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Designated admins"),
        help_text=gettext_lazy(
            "They receive the alerts; with none chosen, every admin of the organization does."
        ),
    )
    extra_recipients = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Extra recipients"),
        help_text=gettext_lazy("Email addresses, one per line."),
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.admins = list(organization_admins(organization))
        self.fields["report_recipients"].choices = [
            (str(u.pk), f"{u.get_username()} <{u.email}>" if u.email else u.get_username())
            for u in self.admins
        ]

    @staticmethod
    def initial_for(organization: Organization) -> dict:
        return {
            "account_moved": organization.alert_account_moved,
            "invitation_threshold": organization.alert_invitation_threshold,
            "number_utilisation": organization.alert_number_utilisation,
            "utilisation_percent": organization.number_utilisation_percent,
            "batch_finished": organization.alert_batch_finished,
            "report_recipients": [
                str(pk) for pk in organization.report_recipients.values_list("pk", flat=True)
            ],
            "extra_recipients": organization.alert_extra_recipients,
        }


@privilege_required(Privilege.SETUP)
def setup(request):
    organizations = list(Organization.objects.visible_to(request.user).order_by("name"))
    slug = request.POST.get("organization") or request.GET.get("organization")
    organization = (
        get_object_for(request.user, Organization.objects, slug=slug)
        if slug
        else (organizations[0] if organizations else None)
    )
    if organization is None:
        return render(
            request,
            "portal/error.html",
            {
                "title": _("No organization"),
                "nav": "alerts",
                "message": _("You administer no organization."),
            },
        )
    form = AlertSettingsForm(
        request.POST or None,
        organization=organization,
        initial=AlertSettingsForm.initial_for(organization),
    )
    message = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = {str(pk) for pk in data["report_recipients"]}
        try:
            services.alert_settings_save(
                actor=request.user,
                organization=organization,
                account_moved=data["account_moved"],
                invitation_threshold=data["invitation_threshold"],
                number_utilisation=data["number_utilisation"],
                utilisation_percent=data["utilisation_percent"],
                batch_finished=data["batch_finished"],
                extra_recipients=data["extra_recipients"],
                report_recipients=[u for u in form.admins if str(u.pk) in chosen],
            )
        except DomainError as error:
            for column, reasons in error.fields.items():
                name = {
                    "alert_extra_recipients": "extra_recipients",
                    "number_utilisation_percent": "utilisation_percent",
                }.get(column)
                for reason in reasons:
                    form.add_error(name, reason)
            message = error.message
        else:
            messages.success(
                request, _("Alerts of %(organization)s saved.") % {"organization": organization}
            )
            return redirect(f"{request.path}?organization={organization.slug}")
    elif request.method == "POST":
        message = _("Please correct the fields marked below.")
    return render(
        request,
        "alerts/setup.html",
        {
            "nav": "alerts",
            "organizations": organizations,
            "organization": organization,
            "form": form,
            "message": message,
            "recent": services.recent(organization),
            "recipients": services.recipients_for(organization),
        },
        status=400 if message else 200,
    )
