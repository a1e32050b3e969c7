from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.organizations.models import Organization


class ScimTokenForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), to_field_name="slug", label=_("Organization")
    )
    name = forms.CharField(
        max_length=80,
        required=False,
        label=_("Name"),
        help_text=_("Which identity provider uses it, e.g. “Okta” or “Entra ID”."),
    )
    invite = forms.BooleanField(
        required=False, initial=True, label=_("Invite users at once (Save & Invite)")
    )
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label=_("Expires in (days)"),
        help_text=_("Leave empty for a token that does not expire."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.visible_to(user).order_by(
            "name"
        )
