from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.access import services
from portal.access.forms import AdminCreateForm, AdminEditForm, RoleForm, TokenIssueForm
from portal.access.models import ApiToken, Privilege, Role
from portal.access.scoping import has_privilege, privilege_required
from portal.lib.errors import DomainError, NotFound
from portal.lib.http import see_other


def _form_errors(form, error: DomainError) -> None:
    for field, reasons in error.fields.items():
        if field in form.fields:
            form.add_error(field, reasons)
    form.add_error(None, error.message)


@privilege_required(Privilege.ADMINISTRATORS)
def admin_list(request):
    admins = (services.admins_visible_to(request.user).select_related("admin__role")
              .prefetch_related("admin__organizations").order_by("username"))
    roles = Role.objects.annotate(admins_count=Count("admins")).order_by("name")
    return render(request, "access/admins.html", {"nav": "access", "admins": admins, "roles": roles})


@privilege_required(Privilege.ADMINISTRATORS)
def admin_create(request):
    form = AdminCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admin = services.admin_create(
                actor=request.user, username=data["username"], email=data["email"], password=data["password"],
                role=form.chosen_role(), organizations=form.chosen_organizations(),
                first_name=data["first_name"], last_name=data["last_name"])
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Created the admin {admin.get_username()}.")
            return redirect("access:admins")
    return render(request, "access/admin_form.html", {"nav": "access", "form": form, "title": "New admin"})


@privilege_required(Privilege.ADMINISTRATORS)
def admin_edit(request, pk):
    admin = get_object_or_404(services.admins_visible_to(request.user), pk=pk)
    if admin.is_superuser:
        raise NotFound("An operator has every privilege in every organization; there is nothing to edit.")
    form = AdminEditForm(request.POST or None, user=request.user, admin=admin)
    if request.method == "POST" and form.is_valid():
        try:
            services.admin_update(actor=request.user, user=admin, role=form.chosen_role(),
                                  organizations=form.chosen_organizations(),
                                  is_active=form.cleaned_data["is_active"])
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Saved {admin.get_username()}.")
            return redirect("access:admins")
    return render(request, "access/admin_form.html",
                  {"nav": "access", "form": form, "title": f"Admin {admin.get_username()}", "admin": admin})


def _role_page(request, role=None):
    form = RoleForm(request.POST or None, user=request.user, role=role)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_save(actor=request.user, name=form.cleaned_data["name"],
                                      privileges=form.cleaned_data["privileges"], role=role)
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Saved the role {role.name}.")
            return redirect("access:admins")
    return render(request, "access/role_form.html", {"nav": "access", "form": form, "role": role})


@privilege_required(Privilege.ADMINISTRATORS)
def role_create(request):
    return _role_page(request)


@privilege_required(Privilege.ADMINISTRATORS)
def role_edit(request, pk):
    return _role_page(request, get_object_or_404(Role, pk=pk))


def _token_users(user):
    """Whose tokens `user` manages: its own; with API Users, those of the admins it manages."""
    if not has_privilege(user, Privilege.API_USERS):
        return [user]
    others = services.admins_visible_to(user).filter(is_active=True).exclude(pk=user.pk).order_by("username")
    return [user, *others]


def _tokens_page(request, form, raw=None, issued=None, status=200):
    users = _token_users(request.user)
    tokens = (ApiToken.objects.filter(user__in=[u.pk for u in users]).select_related("user")
              .order_by(F("revoked_at").asc(nulls_first=True), "-created_at"))
    return render(request, "access/tokens.html", {
        "nav": "tokens", "form": form, "tokens": tokens, "raw": raw, "issued": issued,
        "manages_others": len(users) > 1 or has_privilege(request.user, Privilege.API_USERS),
    }, status=status)


ISSUED = "access.issued_token"


@login_required
def token_list(request):
    """The tokens; right after issuing one (POST/redirect/GET), its raw value, shown this once."""
    issued = request.session.pop(ISSUED, None)
    token = raw = None
    if issued:
        token = ApiToken.objects.filter(pk=issued["id"], user__in=[u.pk for u in _token_users(request.user)]).first()
        raw = issued["raw"] if token is not None else None
    response = _tokens_page(request, TokenIssueForm(user=request.user, users=_token_users(request.user)),
                            raw=raw, issued=token)
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
        token, raw = services.token_issue(actor=request.user, user=form.users[form.cleaned_data["user"]],
                                          name=form.cleaned_data["name"])
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
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk, user__in=[u.pk for u in users])
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, f"Revoked the token {token.prefix}… of {token.user.get_username()}.")
    return redirect("access:tokens")
