"""The invitation wording shipped with the portal, marked for translation (formal address
throughout: the readers are employees of banks and insurers). The Italian, German, French and
Spanish texts are in the catalogs, portal/locale/<language>/LC_MESSAGES/django.po; organizations may
override each one in Setup. `in_language` gives one of these texts in a given language.

The `{{ variable }}` placeholders of the email and SMS texts are substituted by
portal.invitations.content, after translation: translations keep them exactly as they are."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Translators: an email subject; keep {{ organization }} exactly as it is.
EMAIL_SUBJECT = _("{{ organization }} invites you to MultiLine")

# Translators: the default invitation email. Keep every {{ variable }} exactly as it is; a blank
# line separates paragraphs.
EMAIL_BODY = _(
    "Hello {{ first_name }} {{ last_name }},\n"
    "\n"
    "{{ organization }} has set up MultiLine for you: a second, business phone number on your own "
    "mobile phone, for your work calls and messages.\n"
    "\n"
    "Your MultiLine number: {{ multiline_number }}\n"
    "\n"
    "To activate MultiLine, open this link on your phone:\n"
    "{{ activation_link }}\n"
    "\n"
    "Or scan this QR code with your phone's camera:\n"
    "{{ qr_code }}\n"
    "\n"
    "If the MultiLine app asks for an activation code, enter {{ activation_code }}.\n"
    "\n"
    "This invitation works once and expires on {{ expires_on }}. If it has expired, ask your "
    "administrator to send you a new one.\n"
    "\n"
    "Kind regards,\n"
    "{{ organization }}"
)

# Translators: the default invitation SMS. It must stay within ONE SMS segment: at most about 75
# characters besides the {{ variables }}, and only letters of the GSM 03.38 alphabet (no "ó", "ç",
# "í", "ú", curly quotes…): one such letter switches the message to UCS-2 and 70 characters per
# segment. portal/invitations/tests/test_sms_length.py checks it in each language.
SMS_BODY = _(
    "{{ organization }}: activate MultiLine: {{ activation_link }} or code {{ activation_code }} "
    "in the app."
)

# Translators: what {{ multiline_number }} says when the account has no number yet (the user picks
# one at activation): "Your MultiLine number: you will choose it when you activate".
NUMBER_AT_ACTIVATION = _("you will choose it when you activate")

# Translators: what {{ qr_code }} says in the plain-text part of the email, where no image is shown.
QR_IN_TEXT = _("(the QR code is in the HTML version of this email)")

# Translators: the button under the invitation email's text.
BUTTON = pgettext_lazy("invitation email button", "Activate MultiLine")

# Sample account of the Setup screen's preview and test send.
SAMPLE = {"first_name": "Maria", "last_name": "Rossi", "multiline_number": "+12125550123"}

# Under every invitation, in the text and the HTML part (not part of the editable wording): why the
# reader got it and how to tell it from phishing — what a bank's security team asks of such mail.
FOOTER = _(
    "Why you received this email: %(organization)s uses MultiLine to give its employees a "
    "business phone number on their own mobile phone, and your administrator added you. This "
    "invitation contains your personal activation link and code: please do not forward it. "
    "%(organization)s will never ask you for your activation code by phone, email or text "
    "message. If you did not expect this invitation, do not activate it and contact your IT "
    "service desk."
)

# The QR code image's alternative text (read out by screen readers, shown when images are off).
QR_ALT = _("QR code of your activation link: scan it with your phone's camera")

# Under the button of the HTML part, for mail clients that do not follow it.
LINK_FALLBACK = _(
    "If the button does not work on your phone, copy this address into its web browser:"
)

TEXTS = {
    "EMAIL_SUBJECT": EMAIL_SUBJECT,
    "EMAIL_BODY": EMAIL_BODY,
    "SMS_BODY": SMS_BODY,
    "NUMBER_AT_ACTIVATION": NUMBER_AT_ACTIVATION,
    "QR_IN_TEXT": QR_IN_TEXT,
    "BUTTON": BUTTON,
    "FOOTER": FOOTER,
    "QR_ALT": QR_ALT,
    "LINK_FALLBACK": LINK_FALLBACK,
}


def in_language(text, language: str) -> str:
    """One of the texts above in `language` (a lazy translation, resolved there)."""
    with translation.override(language):
        return str(text)
