from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import services as audit
from portal.lib import emails


def password_help() -> str:
    """Django's validators' help, in the active language."""
    return " ".join(password_validators_help_texts())


class ChangeForm(PasswordChangeForm):
    """Django's form; the new password must differ from the current one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_help()

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password1")
        if password and "new_password2" not in self.errors and self.user.check_password(password):
            self.add_error(
                "new_password2",
                forms.ValidationError(
                    _("Choose a password different from the current one."),
                    code="password_unchanged",
                ),
            )
        return cleaned


class ResetForm(PasswordResetForm):
    """Django's form: a link for each active admin with that email, none (and the same answer) for
    an unknown one. Each link sent is audited; the email is `emails.password_reset`."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # The templates Django names are not used: the email is portal.lib.emails'.
        emails.password_reset(to=to_email, context=context)
        user = context["user"]
        audit.record(
            actor=None, action="signin.password_reset_sent", target=user, data={"email": to_email}
        )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "").strip()
