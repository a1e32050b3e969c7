from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.access.scoping import is_operator
from portal.lib.dates import zone_names
from portal.organizations.choices import organization_choices
from portal.organizations.models import Feature, Organization
from portal.organizations.services import organization_admins

MULTI = forms.CheckboxSelectMultiple
# The languages by name in the admin's language (Language.choices stay English: the CSV reads them).
LANGUAGES = [
    ("en", gettext_lazy("English")),
    ("it", gettext_lazy("Italian")),
    ("de", gettext_lazy("German")),
    ("fr", gettext_lazy("French")),
    ("es", gettext_lazy("Spanish")),
]


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(max_length=120, label=gettext_lazy("Name"))
    slug = forms.SlugField(
        max_length=60,
        label=gettext_lazy("Slug"),
        help_text=gettext_lazy("Lower-case letters, digits and dashes; used in the API and CLI."),
    )
    parent = forms.ChoiceField(required=False, label=gettext_lazy("Parent organization"))
    features = forms.MultipleChoiceField(
        choices=Feature.choices, required=False, widget=MULTI, label=gettext_lazy("Features")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        blank = _("— none: a top-level organization —") if is_operator(user) else None
        self.fields["parent"].choices = organization_choices(user, blank=blank)
        self.fields["parent"].required = not is_operator(user)


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(max_length=120, label=gettext_lazy("Name"))
    features = forms.MultipleChoiceField(
        choices=Feature.choices, required=False, widget=MULTI, label=gettext_lazy("Features")
    )
    invitation_validity_days = forms.IntegerField(
        min_value=1, max_value=90, label=gettext_lazy("Invitations are valid for (days)")
    )
    activation_choices = forms.IntegerField(
        min_value=1, max_value=20, label=gettext_lazy("Numbers offered at activation")
    )
    default_language = forms.ChoiceField(choices=LANGUAGES, label=gettext_lazy("Default language"))
    # Rendered by organizations/edit.html beside the default language; not posted (an older page),
    # the organization's zone stays as it is (`settings`).
    time_zone = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Time zone of the invitations' expiry"),
        help_text=gettext_lazy("Empty: the portal's time zone."),
    )
    self_service_renewal = forms.BooleanField(
        required=False,
        label=gettext_lazy("End users may ask for a new invitation when theirs expired"),
        help_text=gettext_lazy(
            "Only to the same email address or device number, a few times a day per account; "
            "every request is in the activity log."
        ),
    )
    allowed_email_domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Allowed email domains"),
        help_text=gettext_lazy(
            "One domain per line; empty means invitations may go to any domain."
        ),
    )
    require_second_factor = forms.BooleanField(
        required=False,
        label=gettext_lazy("Admins must sign in with a second factor"),
        help_text=gettext_lazy(
            "An authenticator app or a code by email, for the admins of this organization "
            "and of its sub-organizations."
        ),
    )
    report_recipients = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=MULTI,
        label=gettext_lazy("Report recipients"),
        help_text=gettext_lazy(
            "Admins who receive batch summaries and alerts; with none chosen, every admin does."
        ),
    )
    alert_account_moved = forms.BooleanField(
        required=False, label=gettext_lazy("Accounts moved in or out")
    )
    alert_invitation_threshold = forms.BooleanField(
        required=False, label=gettext_lazy("Threshold exceeded for invitations")
    )
    alert_batch_finished = forms.BooleanField(
        required=False, label=gettext_lazy("Batch operation finished")
    )
    alert_number_utilisation = forms.BooleanField(
        required=False, label=gettext_lazy("Number utilisation above the threshold")
    )
    number_utilisation_percent = forms.IntegerField(
        min_value=1, max_value=100, label=gettext_lazy("Utilisation threshold (%)")
    )
    alert_extra_recipients = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Extra alert emails"),
        help_text=gettext_lazy("One address per line, beyond the report recipients."),
    )

    sender_name = forms.CharField(
        required=False,
        max_length=80,
        label=gettext_lazy("Sender name"),
        help_text=gettext_lazy(
            "How invitations are signed in the inbox; empty: the organization's name."
        ),
    )
    sender_email = forms.EmailField(
        required=False,
        label=gettext_lazy("Sender address"),
        help_text=gettext_lazy("On a domain the operator allows; empty: the portal's address."),
    )
    reply_to = forms.EmailField(
        required=False,
        label=gettext_lazy("Reply-To"),
        help_text=gettext_lazy("Where replies go, e.g. your IT service desk."),
    )

    SETTINGS = (
        "require_second_factor",
        "invitation_validity_days",
        "activation_choices",
        "default_language",
        "time_zone",
        "self_service_renewal",
        "sender_name",
        "sender_email",
        "reply_to",
        "allowed_email_domains",
        "alert_account_moved",
        "alert_invitation_threshold",
        "alert_batch_finished",
        "alert_number_utilisation",
        "number_utilisation_percent",
        "alert_extra_recipients",
    )

    def __init__(self, *args, user, organization: Organization, **kwargs):
        initial = {key: getattr(organization, key) for key in self.SETTINGS}
        initial.update(
            name=organization.name,
            features=organization.features,
            report_recipients=list(organization.report_recipients.all()),
        )
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["time_zone"].choices = [("", "—")] + [(n, n) for n in zone_names()]
        self.fields["report_recipients"].queryset = organization_admins(organization)
        self.fields["report_recipients"].label_from_instance = lambda u: (
            f"{u.get_username()} ({u.email})" if u.email else u.get_username()
        )
        if not is_operator(user):
            self.fields["features"].disabled = True
            self.fields["features"].help_text = _(
                "Only the operator changes the features of an organization."
            )

    def settings(self) -> dict:
        return {
            key: self.cleaned_data[key]
            for key in self.SETTINGS
            if key != "time_zone" or "time_zone" in self.data
        }
