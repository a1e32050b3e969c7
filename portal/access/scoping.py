"""Tenancy in one place: which organizations an admin sees, and what it may do there.

Every view and API endpoint reads through `visible_to(user)` / `get_object_for(user, ...)` and
checks privileges with `require_privilege`. Objects outside the admin's scope are 404, never 403.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from portal.access.models import Privilege
from portal.lib.errors import Forbidden, NotFound


def is_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def visible_organization_ids(user) -> set[int] | None:
    """The ids of the organizations `user` administers (with sub-organizations); None means all."""
    if not (user and user.is_authenticated and user.is_active):
        return set()
    if user.is_superuser:
        return None
    cached = getattr(user, "_visible_org_ids", None)
    if cached is not None:
        return cached
    profile = getattr(user, "admin", None) if hasattr(user, "admin") else None
    if profile is None:
        ids: set[int] = set()
    else:
        roots = list(profile.organizations.all())
        tree = _organizations(profile).objects
        ids = set(tree.subtree_of(roots).values_list("pk", flat=True))
    user._visible_org_ids = ids
    return ids


def _organizations(profile):
    """The Organization model, as the admin's relation names it: organizations.models imports this
    module (its `visible_to`), so this one does not import it back."""
    return profile.organizations.model


def home_organization(user):
    """The organization an admin's whole scope hangs from (its one organization, or the nearest
    common parent of several); None for the operator, a non-admin, or a scope with no common root.
    The audit log files events about an admin (its sign-ins, tokens, changes) under it."""
    if user is None or not user.pk or getattr(user, "is_superuser", False):
        return None
    if "_home_org" in user.__dict__:
        return user.__dict__["_home_org"]
    profile = getattr(user, "admin", None) if hasattr(user, "admin") else None
    home = (
        _organizations(profile).objects.common_ancestor(profile.organizations.all())
        if profile
        else None
    )
    user.__dict__["_home_org"] = home
    return home


def forget_scope(user) -> None:
    """Drop the per-request cache of `user`'s scope and privileges (after they changed)."""
    if user is not None:
        user.__dict__.pop("_visible_org_ids", None)
        user.__dict__.pop("_privileges", None)
        user.__dict__.pop("_home_org", None)


def privileges_of(user) -> set[str]:
    if not (user and user.is_authenticated and user.is_active):
        return set()
    if user.is_superuser:
        return set(Privilege.values)
    cached = getattr(user, "_privileges", None)
    if cached is not None:
        return cached
    profile = user.admin if hasattr(user, "admin") else None
    privileges = set(profile.role.privileges) if profile else set()
    user._privileges = privileges
    return privileges


def has_privilege(user, privilege: str) -> bool:
    return privilege in privileges_of(user)


def require_privilege(user, privilege: str) -> None:
    if not has_privilege(user, privilege):
        raise Forbidden(
            _("This needs the %(privilege)s privilege in your role.")
            % {"privilege": Privilege(privilege).label}
        )


def require_scope(user, organization) -> None:
    """Raise a 404 when `organization` is outside `user`'s scope (callers that hold an object)."""
    ids = visible_organization_ids(user)
    if ids is not None and (organization is None or organization.pk not in ids):
        raise NotFound(_("No such organization."))


class ScopedQuerySet(models.QuerySet):
    """For tenant-owned models with an `organization` foreign key."""

    organization_field = "organization_id"

    def visible_to(self, user):
        ids = visible_organization_ids(user)
        if ids is None:
            return self
        return self.filter(**{f"{self.organization_field}__in": ids})


def get_object_for(user, queryset, **lookup):
    """The object if it is in `user`'s scope, else Http404 (the API answers that with a 404 too)."""
    return get_object_or_404(queryset.visible_to(user), **lookup)


def privilege_required(privilege: str):
    """View decorator: login, then the privilege (403 page when missing)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            require_privilege(request.user, privilege)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
