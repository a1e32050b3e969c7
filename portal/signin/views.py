"""Password change and reset (Django's views in the portal's layout), second-factor enrolment and
verification (django-otp: TOTP and email PIN), and the lockouts an admin may lift."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode, urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.access.models import Privilege
from portal.access.scoping import (
    has_privilege,
    home_organization,
    is_operator,
    visible_organization_ids,
)
from portal.audit import services as audit
from portal.audit.middleware import client_ip
from portal.lib import throttle
from portal.lib.errors import Forbidden
from portal.signin import lockouts, services, sessions
from portal.signin.forms import ChangeForm, ResetForm, TokenForm
from portal.signin.models import Lockout

METHODS = {TOTPDevice: "authenticator app", EmailDevice: "email"}


def _next(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


# ---------------------------------------------------------------- passwords


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "signin/password_change.html"
    form_class = ChangeForm
    success_url = reverse_lazy("home")  # form_valid redirects to ?next= itself.

    def get_context_data(self, **kwargs):
        forced = "password" in (self.request.session.get(sessions.STEPS) or [])
        return super().get_context_data(forced=forced, next=_next(self.request), **kwargs)

    def form_valid(self, form):
        super().form_valid(form)  # Keeps this session signed in.
        services.password_changed(form.user, how="change")
        sessions.done(self.request.session, "password")
        messages.success(self.request, _("Your password was changed."))
        return redirect(_next(self.request))


def _public_site() -> tuple[str, bool]:
    parts = urlsplit(settings.PUBLIC_URL)
    return parts.netloc, parts.scheme == "https"


class PasswordReset(auth_views.PasswordResetView):
    """The same answer whatever the address: a link goes only to an admin that has it."""

    template_name = "signin/password_reset.html"
    form_class = ResetForm
    success_url = reverse_lazy("signin:password_reset_done")

    def form_valid(self, form):
        rate = settings.PASSWORD_RESET_RATE
        email = form.cleaned_data["email"].strip().lower()
        over = [
            throttle.hit("password_reset_ip", client_ip(self.request) or "", rate),
            throttle.hit("password_reset_email", email, rate),
        ]
        if any(over):  # Same answer, no email: nobody learns whether the address exists.
            return redirect(self.success_url)
        domain, https = _public_site()
        self.extra_email_context = {"public_url": settings.PUBLIC_URL}
        form.save(
            domain_override=domain,
            use_https=https,
            request=self.request,
            extra_email_context=self.extra_email_context,
        )
        return redirect(self.success_url)


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "signin/password_reset_done.html"

    def get_context_data(self, **kwargs):
        hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
        return super().get_context_data(hours=hours, **kwargs)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's link check: the link works once (it is bound to the current password) and for
    PASSWORD_RESET_TIMEOUT seconds."""

    template_name = "signin/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for field in form.fields.values():
            field.help_text = ""
        # Django's list of the validators' rules, in the active language.
        form.fields["new_password1"].help_text = password_validators_help_text_html()
        return form

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(form.user, how="reset")
        messages.success(self.request, _("Your new password is set. Sign in with it."))
        return response


# ---------------------------------------------------------------- second factor

WAIT = gettext_noop("Too many wrong codes: wait a few seconds, then type the code shown now.")


def _throttled(devices) -> bool:
    """django-otp doubles the wait after each wrong code (1 s, 2 s, 4 s…) on every device."""
    return all(not device.verify_is_allowed()[0] for device in devices)


def _verified(request, device, method: str | None = None) -> None:
    otp_login(request, device)
    sessions.done(request.session, "verify")
    sessions.done(request.session, "enrol")
    if method:
        audit.record(
            actor=request.user,
            action="signin.second_factor_added",
            target=request.user,
            data={"method": method},
        )


@login_required
def two_factor(request):
    """The admin's second factors: add an authenticator app or email codes, remove one."""
    devices = [
        (device, METHODS.get(type(device), "device"))
        for device in devices_for_user(request.user, confirmed=True)
    ]
    required = services.second_factor_required(request.user)
    return render(
        request,
        "signin/two_factor.html",
        {
            "devices": devices,
            "required": required,
            "next": _next(request),
            "pending": "enrol" in (request.session.get(sessions.STEPS) or []),
        },
    )


@login_required
def enrol_totp(request):
    """An authenticator app: scan the QR code (or type the key), then confirm with a code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        waiting = _throttled([device])
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _verified(request, device, method=METHODS[TOTPDevice])
            messages.success(
                request, _("Your authenticator app is set up: sign-ins will ask for its code.")
            )
            return redirect(_next(request))
        form.add_error(
            "token",
            _(WAIT)
            if waiting
            else _(
                "That code is not right. Check the time on your phone and type the code it "
                "shows now."
            ),
        )
    secret = b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5)
    return render(
        request,
        "signin/enrol_totp.html",
        {
            "form": form,
            "qr": qr,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next(request),
        },
    )


@login_required
def enrol_email(request):
    """Codes by email: one is sent to the admin's address, typing it back confirms."""
    if not request.user.email:
        messages.error(request, _("Your account has no email address for codes."))
        return redirect("signin:two_factor")
    device = EmailDevice.objects.filter(user=request.user, confirmed=False).first()
    form = TokenForm(request.POST if "token" in request.POST else None)
    if request.method == "POST" and "send" in request.POST:
        if device is None:
            device = EmailDevice.objects.create(user=request.user, name="Email", confirmed=False)
        services.send_code(device)
        messages.info(request, _("A code was sent to %(email)s.") % {"email": request.user.email})
        query = urlencode({"sent": 1, "next": _next(request)})
        return redirect(f"{reverse('signin:enrol_email')}?{query}")
    if request.method == "POST" and form.is_valid():
        waiting = device is not None and _throttled([device])
        if device is not None and device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _verified(request, device, method=METHODS[EmailDevice])
            messages.success(
                request,
                _("Email codes are set up: sign-ins will ask for a code sent to your address."),
            )
            return redirect(_next(request))
        form.add_error(
            "token",
            _(WAIT) if waiting else _("That code is not right, or it expired. Send a new one."),
        )
    return render(
        request,
        "signin/enrol_email.html",
        {
            "form": form,
            "sent": device is not None and (request.GET.get("sent") or form.is_bound),
            "next": _next(request),
        },
    )


@login_required
@require_POST
def remove_device(request, kind: str, pk: int):
    model = {"totp": TOTPDevice, "email": EmailDevice}.get(kind)
    if model is None:
        raise Http404
    device = get_object_or_404(model, pk=pk, user=request.user, confirmed=True)
    others = [d for d in devices_for_user(request.user, confirmed=True) if d != device]
    if not others and services.second_factor_required(request.user):
        messages.error(
            request,
            _(
                "Your organization requires a second factor: add another one before removing "
                "this one."
            ),
        )
        return redirect("signin:two_factor")
    device.delete()
    audit.record(
        actor=request.user,
        action="signin.second_factor_reset",
        target=request.user,
        data={"method": METHODS[model]},
    )
    messages.success(request, _("The second factor was removed."))
    return redirect("signin:two_factor")


@login_required
def verify(request):
    """The second step of a sign-in: a code from the authenticator app or sent by email."""
    devices = list(devices_for_user(request.user, confirmed=True))
    if request.user.is_verified() or not devices:
        sessions.done(request.session, "verify")
        return redirect(_next(request))
    email = next((d for d in devices if isinstance(d, EmailDevice)), None)
    form = TokenForm(request.POST if "token" in request.POST else None)
    if request.method == "POST" and "send" in request.POST and email is not None:
        services.send_code(email)
        messages.info(
            request,
            _("A code was sent to %(email)s.") % {"email": email.email or request.user.email},
        )
        return redirect(f"{reverse('signin:verify')}?{urlencode({'next': _next(request)})}")
    if request.method == "POST" and form.is_valid():
        waiting = _throttled(devices)
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            _verified(request, device)
            audit.record(
                actor=request.user,
                action="signin.second_factor_verified",
                target=request.user,
                data={"method": METHODS.get(type(device), "")},
            )
            return redirect(_next(request))
        audit.record(actor=request.user, action="signin.second_factor_failed", target=request.user)
        form.add_error(
            "token",
            _(WAIT)
            if waiting
            else _("That code is not right. Try the code shown now, or send a new one."),
        )
    return render(
        request,
        "signin/verify.html",
        {
            "public_page": True,  # No menu before the second step: nothing there opens yet.
            "form": form,
            "email": email,
            "totp": any(isinstance(d, TOTPDevice) for d in devices),
            "next": _next(request),
        },
    )


# ---------------------------------------------------------------- lockouts


def _may_unlock(user, lockout: Lockout) -> bool:
    """The operator lifts any lockout; an admin with Administrators those of admins of its scope."""
    if is_operator(user):
        return True
    if lockout.kind != Lockout.Kind.USERNAME or not has_privilege(user, Privilege.ADMINISTRATORS):
        return False
    target = lockouts.admin_named(lockout.value)
    if target is None or target.is_superuser:
        return False
    home = home_organization(target)
    ids = visible_organization_ids(user)
    return home is not None and (ids is None or home.pk in ids)


@login_required
def lockout_list(request):
    if not (is_operator(request.user) or has_privilege(request.user, Privilege.ADMINISTRATORS)):
        raise Forbidden(
            _("This needs the %(privilege)s privilege in your role.")
            % {"privilege": Privilege.ADMINISTRATORS.label}
        )
    shown = [lockout for lockout in lockouts.open_lockouts() if _may_unlock(request.user, lockout)]
    return render(
        request,
        "signin/lockouts.html",
        {
            "lockouts": shown,
            "nav": "access",
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "limit": settings.AXES_FAILURE_LIMIT,
        },
    )


@login_required
@require_POST
def lockout_unlock(request, pk: int):
    lockout = get_object_or_404(Lockout, pk=pk, released_at=None)
    if not _may_unlock(request.user, lockout):
        raise Http404
    lockouts.unlock(actor=request.user, lockout=lockout)
    messages.success(request, _("%(name)s can sign in again.") % {"name": lockout.value})
    return redirect("signin:lockouts")


def locked(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): 429 with Retry-After, in the portal's
    layout; the same whether the name exists or not."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(
        request, "signin/locked.html", {"minutes": minutes, "public_page": True}, status=429
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
