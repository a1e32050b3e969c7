"""Forms of the Accounts screens. They render fields and
carry errors; the rules live in services."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts import columns
from portal.accounts.listing import language_choices
from portal.accounts.models import AccountStatus
from portal.lib.widgets import QuickSelect
from portal.numbers.models import Number, NumberStatus
from portal.organizations.models import Organization
from portal.permissions.models import PermissionGroup

NUMBER_CHOICES_CAP = 500


class AccountFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label=gettext_lazy("Search"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("Name, email, MultiLine or device number"),
            }
        ),
    )
    status = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *AccountStatus.choices],
    )
    organization = forms.ChoiceField(
        required=False, label=gettext_lazy("Organization"), widget=QuickSelect
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("All organizations"))] + [
            (org.slug, org.name) for org in organizations
        ]


def assign_choices(organization: Organization) -> tuple[list, int]:
    """Tags with their free counts, then the free numbers (reserved ones labelled), capped.

    Returns (choices, free_count). Values are "tag:NAME" or "number:+E164".
    """
    free = Number.objects.filter(
        organization=organization, status__in=(NumberStatus.AVAILABLE, NumberStatus.RESERVED)
    )
    tags = (
        free.filter(tags__isnull=False)
        .values_list("tags__name")
        .annotate(n=Count("pk"))
        .order_by("tags__name")
    )
    numbers = list(
        free.order_by("e164").values_list("e164", "status", "reserved_for")[:NUMBER_CHOICES_CAP]
    )
    free_count = free.count()
    choices: list = [("", _("— none: the user picks one at activation —"))]
    if tags:
        choices.append(
            (
                _("Tags"),
                [
                    (f"tag:{name}", _("Tag: %(name)s (%(n)s available)") % {"name": name, "n": n})
                    for name, n in tags
                ],
            )
        )
    if numbers:
        label = (
            _("Numbers")
            if free_count <= NUMBER_CHOICES_CAP
            else _("Numbers (first %(cap)s of %(count)s)")
            % {"cap": NUMBER_CHOICES_CAP, "count": free_count}
        )
        choices.append(
            (
                label,
                [
                    (
                        f"number:{e164}",
                        e164
                        if status == NumberStatus.AVAILABLE
                        else _("%(number)s — reserved for %(reserved_for)s")
                        % {"number": e164, "reserved_for": reserved_for}
                        if reserved_for
                        else _("%(number)s — reserved") % {"number": e164},
                    )
                    for e164, status, reserved_for in numbers
                ],
            )
        )
    return choices, free_count


class AccountAddForm(forms.Form):
    """The article's Add Account form for one organization; only its enabled features appear."""

    organization = forms.ChoiceField(label=gettext_lazy("Organization"))
    # Labels and help of the account columns: their declaration (portal.accounts.columns).
    first_name = forms.CharField(required=False, max_length=100, label=columns.label("firstname"))
    last_name = forms.CharField(required=False, max_length=100, label=columns.label("lastname"))
    email = forms.CharField(
        max_length=254, label=columns.label("email"), help_text=columns.helps("email")
    )
    # A plain value, not a ChoiceField: whether the number is still free is the services' rule.
    assign = forms.CharField(
        required=False, label=gettext_lazy("Number or tag"), widget=forms.Select
    )
    typed_number = forms.CharField(
        required=False, label=gettext_lazy("Or type a free number of the organization")
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
        required=False,
        max_length=25,
        label=columns.label("forwarding_number"),
        help_text=columns.helps("forwarding_number"),
    )
    language = forms.ChoiceField(
        required=False,
        label=columns.label("language"),
        choices=[("", gettext_lazy("Organization default")), *language_choices()],
    )

    # Errors of the services, by their field (CSV column) name, shown next to these form fields.
    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "multiline_number": "assign",
        "number_tag": "assign",
        "firstname": "first_name",
        "lastname": "last_name",
        "device_number": "email",
    }

    def __init__(self, *args, organizations, organization: Organization | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["organization"].choices = [("", _("Choose an organization"))] * (
            organization is None
        ) + [(org.slug, org.name) for org in organizations]
        self.free_count = 0
        if organization is None:
            for name in list(self.fields):
                if name != "organization":
                    del self.fields[name]
            return
        self.fields["organization"].initial = organization.slug
        groups = PermissionGroup.objects.filter(organization=organization).order_by(
            "-is_default", "name"
        )
        self.fields["permission_group"].queryset = groups
        default = next((g for g in groups if g.is_default), None)
        if default is not None:
            self.fields["permission_group"].initial = default.pk
        self.fields["assign"].widget.choices, self.free_count = assign_choices(organization)
        if self.free_count <= NUMBER_CHOICES_CAP:
            del self.fields["typed_number"]
        self.fields["language"].initial = organization.default_language
        for name, feature in columns.FEATURE_FIELDS.items():
            if not organization.has_feature(feature):
                del self.fields[name]  # Only the organization's features are offered.

    @property
    def feature_fields(self):
        return [self[name] for name in columns.TOGGLES if name in self.fields]

    def service_data(self) -> dict:
        """The form's values in the shape the services read
        (the CSV columns); no rule checked here."""
        data = self.cleaned_data
        values = {
            "first_name": data.get("first_name", ""),
            "last_name": data.get("last_name", ""),
            "email": data.get("email", ""),
            "forwarding_number": data.get("forwarding_number", ""),
            "language": data.get("language", ""),
        }
        assign = data.get("assign") or ""
        typed = (data.get("typed_number") or "").strip()
        if assign.startswith("tag:"):
            values["number_tag"] = assign[4:]
        elif assign.startswith("number:"):
            values["multiline_number"] = assign[7:]
        if typed:
            values["multiline_number"] = typed
        if "social_messaging" in self.fields:
            values["social_messaging"] = "yes" if data.get("social_messaging") else "no"
            if data.get("restrict_incoming_social_messaging"):
                values["restrict_incoming_social_messaging"] = "true"
        if "monitor_calls" in self.fields:
            values["monitor_calls"] = "auto" if data.get("monitor_calls") else "off"
        if "monitor_sms" in self.fields:
            values["monitor_sms"] = "on" if data.get("monitor_sms") else "off"
        return values

    def add_domain_error(self, error) -> None:
        """Put a DomainError's reasons next to the fields they name; the rest on top."""
        for column, reasons in (error.fields or {}).items():
            name = self.ERROR_FIELDS.get(column, column)
            if name == "assign" and "typed_number" in self.fields and self.data.get("typed_number"):
                name = "typed_number"
            for reason in reasons:
                if name in self.fields:
                    self.add_error(name, reason)
                else:
                    self.add_error(None, f"{column}: {reason}")
