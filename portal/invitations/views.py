"""Setup → Invitation templates (Setup privilege), and
Resend Invitation from the Accounts screen."""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.access.scoping import get_object_for, has_privilege, privilege_required
from portal.accounts.lifecycle_views import (
    confirm_context,
    finish,
    selection_or_refusal,
    unconfirmed,
)
from portal.invitations import content, services
from portal.invitations.forms import WordingForm
from portal.invitations.models import Channel, InvitationTemplate
from portal.lib.errors import DomainError, Forbidden
from portal.lib.http import see_other
from portal.organizations.models import Language, Organization

LANGUAGE_NAMES = dict(Language.choices)
CHANNEL_LABELS = {Channel.EMAIL: gettext_lazy("Email"), Channel.SMS: gettext_lazy("SMS")}
# The variables the help texts name as required (they are not template syntax here).
PLACEHOLDERS = {name: "{{ " + name + " }}" for name in content.REQUIRED}


def language_name(language: str) -> str:
    """ "Italian" in the active language (Django's catalog has the languages' names)."""
    return _(LANGUAGE_NAMES[language])


# The preview is the HTML email itself, whose styles are inline (mail clients need them); it sits
# in a sandboxed srcdoc iframe, which inherits the page's policy: these pages allow inline style.
email_preview_styles = csp_update({"style-src": ["'unsafe-inline'"]})


def _organizations(user):
    return Organization.objects.visible_to(user).order_by("path", "name")


@privilege_required("setup")
def templates(request):
    organizations = list(_organizations(request.user))
    slug = request.GET.get("organization")
    organization = (
        get_object_for(request.user, Organization.objects, slug=slug)
        if slug
        else (organizations[0] if organizations else None)
    )
    rows = []
    if organization is not None:
        custom = {
            (t.language, t.channel): t
            for t in InvitationTemplate.objects.filter(organization=organization)
        }
        for channel, channel_label in Channel.choices:
            for language in content.LANGUAGES:
                template = custom.get((language, channel))
                wording = content.wording_for(organization, language, channel)
                rows.append(
                    {
                        "channel": channel,
                        "channel_label": CHANNEL_LABELS.get(channel, channel_label),
                        "language": language,
                        "language_label": language_name(language),
                        "template": template,
                        "inherited": wording.custom and template is None,
                        "subject": wording.subject,
                    }
                )
    return render(
        request,
        "invitations/templates.html",
        {
            "nav": "setup",
            "organizations": organizations,
            "organization": organization,
            "rows": rows,
            "variables": content.VARIABLES,
            "placeholders": PLACEHOLDERS,
        },
    )


def _edit_context(request, organization, language, channel, form, *, error="", fields=None):
    wording = content.Wording(
        subject=form["subject"].value() or "", body=form["body"].value() or ""
    )
    preview, sms_text, sms_length = None, None, None
    if not error:
        try:
            content.check_wording(
                channel=channel,
                subject=wording.subject if channel == Channel.EMAIL else "",
                body=wording.body,
            )
        except DomainError as problem:
            error, fields = problem.message, problem.fields
    values = services.sample_values(organization, language)
    if channel == Channel.EMAIL:
        preview = content.render_email(wording, values, for_browser=True)
    else:
        sms_text = content.render_sms(wording, values)
        sms_length = services.sms_length_of(wording, values)
    current = content.wording_for(organization, language, channel)
    return {
        "nav": "setup",
        "organization": organization,
        "language": language,
        "language_label": language_name(language),
        "channel": channel,
        "form": form,
        "variables": content.VARIABLES,
        "placeholders": PLACEHOLDERS,
        "required": content.REQUIRED,
        "preview": preview,
        "sms_text": sms_text,
        "sms_length": sms_length,
        "error": error,
        "fields": fields or {},
        "current": current,
        "sample": values,
        "is_email": channel == Channel.EMAIL,
    }


def _target(request, slug, language, channel):
    organization = get_object_for(request.user, Organization.objects, slug=slug)
    if language not in content.LANGUAGES or channel not in Channel.values:
        raise DomainError(_("No such template."))
    return organization


def _posted_form(request):
    form = WordingForm(request.POST)
    form.is_valid()
    return form


@privilege_required("setup")
@email_preview_styles
def template_edit(request, slug, language, channel):
    organization = _target(request, slug, language, channel)
    if request.method == "POST":
        form = _posted_form(request)
        try:
            services.template_save(
                actor=request.user,
                organization=organization,
                language=language,
                channel=channel,
                subject=form.data.get("subject", ""),
                body=form.data.get("body", ""),
            )
        except DomainError as problem:
            context = _edit_context(
                request,
                organization,
                language,
                channel,
                form,
                error=problem.message,
                fields=problem.fields,
            )
            return render(request, "invitations/template_edit.html", context, status=400)
        names = {"language": language_name(language), "organization": organization}
        messages.success(
            request,
            (
                _("The %(language)s email invitation of %(organization)s was saved.")
                if channel == Channel.EMAIL
                else _("The %(language)s SMS invitation of %(organization)s was saved.")
            )
            % names,
        )
        return redirect(reverse("invitations:template_edit", args=[slug, language, channel]))
    draft = request.session.pop(_draft_key(slug, language, channel), None)
    if draft is None:
        current = content.wording_for(organization, language, channel)
        draft = {"subject": current.subject, "body": current.body}
    form = WordingForm(draft)
    return render(
        request,
        "invitations/template_edit.html",
        _edit_context(request, organization, language, channel, form),
    )


@require_POST
@privilege_required("setup")
@email_preview_styles
def template_preview(request, slug, language, channel):
    organization = _target(request, slug, language, channel)
    form = _posted_form(request)
    return render(
        request,
        "invitations/template_edit.html",
        {**_edit_context(request, organization, language, channel, form), "previewed": True},
    )


@require_POST
@privilege_required("setup")
@email_preview_styles
def template_test(request, slug, language, channel):
    organization = _target(request, slug, language, channel)
    form = _posted_form(request)
    try:
        to = services.template_send_test(
            actor=request.user,
            organization=organization,
            language=language,
            channel=channel,
            subject=form.data.get("subject", ""),
            body=form.data.get("body", ""),
        )
    except DomainError as problem:
        context = _edit_context(
            request,
            organization,
            language,
            channel,
            form,
            error=problem.message,
            fields=problem.fields,
        )
        return render(request, "invitations/template_edit.html", context, status=400)
    # POST/redirect/GET: the edit page shows the draft again (kept for that one page); a reload
    # sends nothing.
    request.session[_draft_key(slug, language, channel)] = {
        "subject": form.data.get("subject", ""),
        "body": form.data.get("body", ""),
    }
    messages.success(
        request,
        _("A test invitation, rendered with the sample account, is on its way to %(to)s.")
        % {"to": to},
    )
    return see_other("invitations:template_edit", slug, language, channel)


def _draft_key(slug, language, channel) -> str:
    return f"invitations.draft:{slug}/{language}/{channel}"


@require_POST
@privilege_required("setup")
def template_reset(request, slug, language, channel):
    organization = _target(request, slug, language, channel)
    services.template_reset(
        actor=request.user, organization=organization, language=language, channel=channel
    )
    names = {"language": language_name(language), "organization": organization}
    messages.success(
        request,
        (
            _(
                "The %(language)s email invitation of %(organization)s is back to the default "
                "wording."
            )
            if channel == Channel.EMAIL
            else _(
                "The %(language)s SMS invitation of %(organization)s is back to the default "
                "wording."
            )
        )
        % names,
    )
    return redirect(reverse("invitations:template_edit", args=[slug, language, channel]))


def _back(request, selection) -> str:
    """Where "Back" goes: `next` (a local URL only), else the Accounts screen with its filters."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return selection.list_url()


RESEND_EXPLANATION = gettext_lazy(
    "Each account gets a new invitation; the previous link and code stop working. Active and "
    "suspended accounts are skipped."
)


@require_POST
@privilege_required("accounts")
def resend(request):
    """Resend Invitation: the ticked `ids` at once; "all matching" (`scope=filter`) only after the
    admin confirmed the accounts and their count on the page this shows first. Either way the answer
    is a 303 to the results page, so reloading it sends nothing."""
    selection, refusal = selection_or_refusal(request)
    if refusal:
        return refusal
    back = _back(request, selection)
    context = confirm_context(request, selection, "resend")
    if (selection.by_filter or context["count"] > 1) and not has_privilege(
        request.user, "accounts_bulk"
    ):
        raise Forbidden(context["blocked"])
    confirmed = not selection.by_filter or bool(
        request.POST.get("confirm") and not context["blocked"]
    )
    message = unconfirmed(request, context) if confirmed else ""
    if confirmed and not message:
        try:
            results = services.invitations_resend(
                actor=request.user, accounts=context["accounts"], by_filter=selection.by_filter
            )
        except DomainError as problem:
            messages.error(request, problem.message)
            return see_other(back)
        return finish(request, action="resend", results=[r.as_dict() for r in results], back=back)
    return render(
        request,
        "accounts/lifecycle/confirm.html",
        {
            **context,
            "title": _("Resend Invitation"),
            "heading": _("Resend Invitation"),
            "verb": _("Resend to"),
            "explanation": RESEND_EXPLANATION,
            "message": message,
            "next": request.POST.get("next", ""),
        },
        status=400 if message else 200,
    )
