from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.lib.widgets import QuickSelect
from portal.numbers.models import NumberStatus
from portal.numbers.services import MAX_RANGE
from portal.organizations.choices import organization_choices


def split_tags(text: str) -> list[str]:
    return [t for t in text.replace(",", " ").split() if t]


class NumberAddForm(forms.Form):
    organization = forms.ChoiceField(label=gettext_lazy("Add to"))
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            (NumberStatus.AVAILABLE, NumberStatus.AVAILABLE.label),
            (NumberStatus.RESERVED, NumberStatus.RESERVED.label),
        ],
        initial=NumberStatus.AVAILABLE,
    )
    tags = forms.CharField(
        required=False,
        label=gettext_lazy("Tags"),
        help_text=gettext_lazy("Separated by spaces or commas, e.g. PORTED VIP."),
    )
    numbers = forms.CharField(
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "placeholder": "+1 212 555 0100\n+44 20 7946 0000"}
        ),
        label=gettext_lazy("Paste numbers"),
        help_text=gettext_lazy("One per line (or separated by commas), with the country code."),
    )
    file = forms.FileField(
        required=False,
        label=gettext_lazy("Or upload a CSV or XLSX file"),
        help_text=gettext_lazy("One number per line, or a column headed “number”."),
    )
    range_start = forms.CharField(
        required=False,
        label=gettext_lazy("Or a range from"),
        help_text=gettext_lazy("The first number, e.g. +1 212 555 0100."),
    )
    range_count = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_RANGE, label=gettext_lazy("How many")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organization_choices(user, pool=True)

    def clean(self):
        data = super().clean()
        sources = [
            bool((data.get("numbers") or "").strip()),
            bool(data.get("file")),
            bool((data.get("range_start") or "").strip()),
        ]
        if sum(sources) == 0:
            raise forms.ValidationError(_("Paste numbers, upload a file, or give a range."))
        if sum(sources) > 1:
            raise forms.ValidationError(
                _("Use one way at a time: pasted numbers, a file, or a range.")
            )
        if sources[2] and not data.get("range_count"):
            self.add_error("range_count", _("How many numbers does the range hold?"))
        return data


class NumberFilterForm(forms.Form):
    organization = forms.ChoiceField(
        required=False, label=gettext_lazy("Organization"), widget=QuickSelect
    )
    status = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *NumberStatus.choices],
    )
    tag = forms.CharField(required=False, label=gettext_lazy("Tag"))
    q = forms.CharField(required=False, label=gettext_lazy("Search"))

    def __init__(self, *args, user, tags, organizations=None, **kwargs):
        """`organizations`: `organization_choices(user, pool=True)` when the caller has them."""
        super().__init__(*args, **kwargs)
        if organizations is None:
            organizations = organization_choices(user, pool=True)
        self.fields["organization"].choices = [("", _("All my organizations")), *organizations]
        self.fields["tag"] = forms.ChoiceField(
            required=False,
            label=gettext_lazy("Tag"),
            choices=[("", _("Any tag"))] + [(t, t) for t in tags],
            widget=QuickSelect,
        )
