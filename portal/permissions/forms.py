from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from portal.organizations.choices import organization_choices


class GroupCreateForm(forms.Form):
    organization = forms.ChoiceField(label=gettext_lazy("Organization"))
    name = forms.CharField(
        max_length=120,
        label=gettext_lazy("Name"),
        widget=forms.TextInput(attrs={"placeholder": "default cos for org 2000"}),
    )
    default = forms.BooleanField(
        required=False, label=gettext_lazy("Default group of the organization")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organization_choices(user)
