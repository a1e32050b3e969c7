from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access import services
from portal.access.forms import (
    AdminCreateForm,
    AdminEditForm,
    PreferencesForm,
    RoleForm,
    TokenIssueForm,
)
from portal.access.middleware import SESSION_KEY, preferences_of
from portal.access.models import ApiToken, Privilege
from portal.access.scoping import has_privilege, privilege_required
from portal.audit import services as audit
from portal.lib.dates import when
from portal.lib.errors import DomainError, Forbidden, NotFound
from portal.lib.http import see_other


def _form_errors(form, error: DomainError) -> None:
    for field, reasons in error.fields.items():
        if field in form.fields:
            form.add_error(field, reasons)
    form.add_error(None, error.message)


@privilege_required(Privilege.ADMINISTRATORS)
def admin_list(request):
    admins = list(
        services.admins_visible_to(request.user)
        .select_related("admin__role")
        .prefetch_related("admin__organizations")
        .order_by("username")
    )
    manageable = services.manageable_admin_ids(request.user)
    for admin in admins:
        admin.editable = not admin.is_superuser and (manageable is None or admin.pk in manageable)
    # Counted among the admins shown: a template's holders in other tenants stay unseen.
    holders = Counter(a.admin.role_id for a in admins if hasattr(a, "admin"))
    roles = list(
        services.roles_visible_to(request.user)
        .select_related("organization")
        .order_by("name", "pk")
    )
    for role in roles:
        role.admins_count = holders[role.pk]
        role.editable = services.role_editable_by(request.user, role)
    return render(
        request, "access/admins.html", {"nav": "access", "admins": admins, "roles": roles}
    )


@privilege_required(Privilege.ADMINISTRATORS)
def admin_create(request):
    form = AdminCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admin = services.admin_create(
                actor=request.user,
                username=data["username"],
                email=data["email"],
                password=data["password"] or None,
                role=form.chosen_role(),
                organizations=form.chosen_organizations(),
                first_name=data["first_name"],
                last_name=data["last_name"],
                api_only=data["api_only"],
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            username = admin.get_username()
            if data["api_only"]:
                text = _(
                    "Created the admin %(username)s: a service admin: issue its API tokens on "
                    "the API tokens page."
                )
            elif data["password"]:
                text = _("Created the admin %(username)s: it signs in with the password you gave.")
            else:
                text = _(
                    "Created the admin %(username)s: an email to %(email)s asks it to choose a "
                    "password."
                )
            messages.success(request, text % {"username": username, "email": admin.email})
            return redirect("access:admins")
    return render(
        request, "access/admin_form.html", {"nav": "access", "form": form, "title": _("New admin")}
    )


@privilege_required(Privilege.ADMINISTRATORS)
def admin_edit(request, pk):
    admin = get_object_or_404(services.admins_visible_to(request.user), pk=pk)
    if admin.is_superuser:
        raise NotFound(
            _("An operator has every privilege in every organization; there is nothing to edit.")
        )
    extra = services.lacking(request.user, admin)
    if extra:
        raise Forbidden(
            _(
                "%(username)s holds privileges you do not have (%(privileges)s); only an admin "
                "holding them can change it."
            )
            % {"username": admin.get_username(), "privileges": services.privilege_labels(extra)}
        )
    form = AdminEditForm(request.POST or None, user=request.user, admin=admin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.admin_update(
                actor=request.user,
                user=admin,
                role=form.chosen_role(),
                organizations=form.chosen_organizations(),
                is_active=data["is_active"],
                email=data["email"] or None,
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Saved %(username)s.") % {"username": admin.get_username()})
            return redirect("access:admins")
    return render(
        request,
        "access/admin_form.html",
        {
            "nav": "access",
            "form": form,
            "title": _("Admin %(username)s") % {"username": admin.get_username()},
            "admin": admin,
        },
    )


def _role_page(request, role=None):
    form = RoleForm(request.POST or None, user=request.user, role=role)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_save(
                actor=request.user,
                name=form.cleaned_data["name"],
                privileges=form.cleaned_data["privileges"],
                role=role,
                organization=form.chosen_organization() if role is None else None,
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Saved the role %(name)s.") % {"name": role.name})
            return redirect("access:admins")
    return render(request, "access/role_form.html", {"nav": "access", "form": form, "role": role})


@privilege_required(Privilege.ADMINISTRATORS)
def role_create(request):
    return _role_page(request)


@privilege_required(Privilege.ADMINISTRATORS)
def role_edit(request, pk):
    """A role of the admin's scope; the operator's templates and the roles of organizations above
    are read-only to it (403); other tenants' roles do not exist for it (404)."""
    visible = services.roles_visible_to(request.user).select_related("organization")
    role = get_object_or_404(visible, pk=pk)
    if not services.role_editable_by(request.user, role):
        services.check_role_change(request.user, role)  # Forbidden, with the reason.
    return _role_page(request, role)


def _token_users(user):
    """Whose tokens `user` manages: its own; with API Users, those of the service admins of its
    scope whose privileges it all holds."""
    others = (
        services.token_holders(user).filter(is_active=True).exclude(pk=user.pk).order_by("username")
    )
    return [user, *others]


def _tokens_page(request, form, raw=None, issued=None, status=200):
    users = _token_users(request.user)
    tokens = (
        ApiToken.objects.filter(user__in=[u.pk for u in users])
        .select_related("user")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at")
    )
    return render(
        request,
        "access/tokens.html",
        {
            "nav": "tokens",
            "form": form,
            "tokens": tokens,
            "raw": raw,
            "issued": issued,
            "manages_others": len(users) > 1 or has_privilege(request.user, Privilege.API_USERS),
        },
        status=status,
    )


ISSUED = "access.issued_token"


@login_required
def token_list(request):
    """The tokens; right after issuing one (POST/redirect/GET), its raw value, shown this once."""
    issued = request.session.pop(ISSUED, None)
    token = raw = None
    if issued:
        token = ApiToken.objects.filter(
            pk=issued["id"], user__in=[u.pk for u in _token_users(request.user)]
        ).first()
        raw = issued["raw"] if token is not None else None
    response = _tokens_page(
        request,
        TokenIssueForm(user=request.user, users=_token_users(request.user)),
        raw=raw,
        issued=token,
    )
    if raw:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_issue(request):
    form = TokenIssueForm(request.POST, user=request.user, users=_token_users(request.user))
    if not form.is_valid():
        return _tokens_page(request, form, status=400)
    try:
        token, raw = services.token_issue(
            actor=request.user,
            user=form.users[form.cleaned_data["user"]],
            name=form.cleaned_data["name"],
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
    except DomainError as error:
        _form_errors(form, error)
        return _tokens_page(request, form, status=400)
    # POST/redirect/GET: the token page shows the raw value once; a reload issues nothing.
    request.session[ISSUED] = {"id": token.pk, "raw": raw}
    return see_other("access:tokens")


@require_POST
@login_required
def token_revoke(request, pk):
    users = _token_users(request.user)
    token = get_object_or_404(
        ApiToken.objects.select_related("user"), pk=pk, user__in=[u.pk for u in users]
    )
    services.token_revoke(actor=request.user, token=token)
    messages.success(
        request,
        _("Revoked the token %(prefix)s… of %(username)s.")
        % {"prefix": token.prefix, "username": token.user.get_username()},
    )
    return redirect("access:tokens")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The link of the set-password email a new admin gets: choose a password (the validators
    apply), then sign in with it. The link works once (Django's password reset token)."""

    template_name = "access/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(
            actor=form.user,
            action="admin.password_set",
            target=form.user,
            organization=services.home_organization(form.user),
        )
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return response


@login_required
def preferences(request):
    """Preferences: the signed-in admin's own language and time zone, nobody else's (the page
    names no admin: it always edits request.user's)."""
    language, zone_name = preferences_of(request)
    form = PreferencesForm(
        request.POST or None, initial={"language": language, "time_zone": zone_name}
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data
        profile = getattr(request.user, "admin", None)  # None: no admin profile
        if profile is not None:
            profile.language, profile.time_zone = chosen["language"], chosen["time_zone"]
            profile.save(update_fields=["language", "time_zone"])
        else:  # the operator, a superuser without an admin profile: for this session
            request.session[SESSION_KEY] = {
                "language": chosen["language"],
                "time_zone": chosen["time_zone"],
            }
        audit.record(  # What it was set to; blank: the browser's language, the portal's zone.
            actor=request.user,
            action="admin.preferences",
            target=request.user,
            organization=services.home_organization(request.user) if profile else None,
            data={"language": chosen["language"], "time_zone": chosen["time_zone"]},
        )
        # The confirmation speaks the language just chosen (else the browser's, as from now on).
        shown = chosen["language"] or translation.get_language_from_request(request)
        with translation.override(shown):
            messages.success(request, _("Your preferences were saved."))
        return see_other("access:preferences")
    return render(
        request,
        "access/preferences.html",
        {"nav": "preferences", "form": form, "now_shown": when(timezone.now())},
    )
