"""The wording: the five shipped defaults, the required variables, safe rendering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.invitations import content, defaults
from portal.lib.errors import DomainError

LANGUAGES = ["en", "it", "de", "fr", "es"]


def values(language, number="+12125550100", first="Anna", last="Bianchi"):
    return content.Values(
        first_name=first,
        last_name=last,
        activation_link="https://ml.example.com/activate/TOKEN123/",
        activation_code="40512977",
        multiline_number=number,
        organization="Banca Esempio",
        expires_on=datetime(2026, 12, 2, tzinfo=UTC),
        language=language,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_default_email_renders_with_every_variable_filled(language):
    rendered = content.render_email(content.default_wording(language, "email"), values(language))
    for text in (rendered.subject, rendered.text, rendered.html):
        assert "{{" not in text and "}}" not in text
    assert "Banca Esempio" in rendered.subject
    for expected in (
        "Anna Bianchi",
        "https://ml.example.com/activate/TOKEN123/",
        "40512977",
        "+1 212-555-0100",
        "Banca Esempio",
        "2026",
    ):
        assert expected in rendered.text, (language, expected)
        assert expected in rendered.html, (language, expected)
    assert defaults.in_language(defaults.QR_IN_TEXT, language) in rendered.text
    assert 'src="cid:qr@multiline"' in rendered.html
    assert rendered.images["qr@multiline"].startswith(b"\x89PNG")
    assert f'<html lang="{language}">' in rendered.html
    assert defaults.in_language(defaults.BUTTON, language) in rendered.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_default_sms_renders_short_with_the_link_and_code(language):
    text = content.render_sms(content.default_wording(language, "sms"), values(language))
    assert "https://ml.example.com/activate/TOKEN123/" in text and "40512977" in text
    assert "{{" not in text and len(text) < 200


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_defaults_are_translated(language):
    email = content.default_wording(language, "email")
    sms = content.default_wording(language, "sms")
    if language != "en":
        english = content.default_wording("en", "email"), content.default_wording("en", "sms")
        assert email.body != english[0].body and sms.body != english[1].body
    content.check_wording(channel="email", subject=email.subject, body=email.body)
    content.check_wording(channel="sms", subject="", body=sms.body)


def test_without_a_number_it_says_the_user_will_choose_one():
    rendered = content.render_email(content.default_wording("fr", "email"), values("fr", number=""))
    assert "Votre numéro MultiLine : vous le choisirez lors de l'activation" in rendered.text


def test_an_account_without_a_name_is_greeted_cleanly():
    rendered = content.render_email(
        content.default_wording("en", "email"), values("en", first="", last="")
    )
    assert rendered.text.startswith("Hello,\n")
    es = content.render_email(
        content.default_wording("es", "email"), values("es", first="", last="")
    )
    assert es.text.startswith("Hola:\n")


@pytest.mark.parametrize("missing", ["activation_link", "activation_code"])
def test_it_refuses_a_template_without_the_link_or_the_code(missing):
    body = defaults.in_language(defaults.EMAIL_BODY, "en").replace("{{ " + missing + " }}", "")
    with pytest.raises(DomainError) as error:
        content.check_wording(channel="email", subject="Hi", body=body)
    assert "{{ " + missing + " }}" in error.value.message
    assert error.value.fields["body"] == ["missing {{ " + missing + " }}"]


def test_it_refuses_unknown_variables_and_template_tags():
    with pytest.raises(DomainError) as error:
        content.check_wording(
            channel="email",
            subject="Hi {{ user.password }}",
            body="{% load x %}{{ activation_link }} {{ activation_code }} {{ secret }}",
        )
    message = error.value.message
    assert "{{ secret }}" in message and "tags" in message
    assert "subject" in error.value.fields and "body" in error.value.fields


def test_admin_text_cannot_inject_html():
    wording = content.Wording(
        subject="<b>x</b>",
        body="<script>alert(1)</script> <img src=x onerror=y> "
        "{{ activation_link }} {{ activation_code }}",
    )
    rendered = content.render_email(wording, values("en", first="<i>Eve</i>"))
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<img src=x" not in rendered.html


def test_the_qr_code_encodes_the_link():
    png = content.qr_png("https://ml.example.com/activate/TOKEN123/")
    assert png.startswith(b"\x89PNG") and len(png) > 200
