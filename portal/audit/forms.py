from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.organizations.choices import organization_choices, organization_from_choice


class AuditFilterForm(forms.Form):
    organization = forms.ChoiceField(required=False)
    actor = forms.CharField(required=False, label="Admin")
    action = forms.ChoiceField(required=False)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, label="Target")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].choices = organization_choices(user, blank="All my organizations")
        actions = (AuditEvent.objects.visible_to(user).order_by("action").values_list("action", flat=True)
                   .distinct())
        self.fields["action"].choices = [("", "Any action")] + [(a, a) for a in actions]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "“To” is before “From”.")
        return data

    def events(self):
        """The events the admin may see that match the (valid) filters, newest first."""
        events = AuditEvent.objects.visible_to(self.user).select_related("organization")
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("organization"):
            events = events.filter(organization=organization_from_choice(self.user, data["organization"]))
        if data.get("actor"):
            events = events.filter(actor_label__iexact=data["actor"].strip())
        if data.get("action"):
            events = events.filter(action=data["action"])
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            events = events.filter(created_at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tz))
        if data.get("date_to"):
            events = events.filter(created_at__lt=dt.datetime.combine(data["date_to"] + dt.timedelta(days=1),
                                                                      dt.time.min, tz))
        if data.get("q"):
            events = events.filter(target_label__icontains=data["q"].strip())
        return events.order_by("-id")
