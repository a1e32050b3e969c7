from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.audit.selectors import actions_seen, events_for
from portal.audit.wording import action_label
from portal.organizations.choices import organization_choices, organization_from_choice


class AuditFilterForm(forms.Form):
    organization = forms.ChoiceField(required=False, label=gettext_lazy("Organization"))
    actor = forms.CharField(required=False, label=gettext_lazy("Admin"))
    action = forms.ChoiceField(required=False, label=gettext_lazy("Action"))
    date_from = forms.DateField(
        required=False,
        label=pgettext_lazy("date range", "From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        required=False,
        label=pgettext_lazy("date range", "To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = forms.CharField(required=False, label=gettext_lazy("Target"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].choices = organization_choices(
            user, blank=_("All my organizations")
        )
        self.fields["action"].choices = [("", _("Any action"))] + sorted(
            ((a, action_label(a)) for a in actions_seen(user)), key=lambda choice: choice[1]
        )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("“To” is before “From”."))
        return data

    def chosen_organization(self):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return (
            organization_from_choice(self.user, data["organization"])
            if data.get("organization")
            else None
        )

    def filters(self) -> dict:
        """The valid filters, as the CSV export's audit event records them."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {k: str(v) for k, v in data.items() if v}

    def events(self):
        """The events the admin may see that match the (valid) filters, newest first."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        tz = timezone.get_current_timezone()
        since = until = None
        if data.get("date_from"):
            since = dt.datetime.combine(data["date_from"], dt.time.min, tz)
        if data.get("date_to"):
            until = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tz)
        events = events_for(
            self.user,
            organization=self.chosen_organization(),
            actor=data.get("actor", ""),
            action=data.get("action", ""),
            since=since,
            until=until,
            target=data.get("q", ""),
        )
        return events.select_related("organization").order_by("-id")
