"""Organizations as admins pick them: every one in scope, sub-organizations under their parent."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.access.scoping import is_operator, require_scope
from portal.lib.errors import NotFound
from portal.organizations.models import Organization

# Not a valid slug: stands for the operator pool (numbers allocated to no organization).
POOL = "~pool"


def organizations_in_scope(user) -> list[Organization]:
    """The organizations `user` administers, in tree order, each with `.depth` and `.label` set."""
    orgs = list(Organization.objects.visible_to(user))
    names = {org.pk: org.name for org in orgs}
    missing = {i for o in orgs for i in o.ancestors_and_self()} - names.keys()
    if missing:  # the parents outside the scope: their names only
        names.update(Organization.objects.filter(pk__in=missing).values_list("pk", "name"))
    for org in orgs:
        chain = [names.get(i, "?") for i in org.ancestors_and_self()]
        org.depth = len(chain) - 1
        org.label = " › ".join(chain)
        org.sort_key = [n.lower() for n in chain]
    orgs.sort(key=lambda o: o.sort_key)
    return orgs


def organization_choices(
    user, *, pool: bool = False, blank: str | None = None
) -> list[tuple[str, str]]:
    choices = [("", blank)] if blank is not None else []
    if pool and is_operator(user):
        choices.append((POOL, _("Operator pool")))
    choices += [(o.slug, o.label) for o in organizations_in_scope(user)]
    return choices


def organization_from_choice(user, value: str):
    """The organization of a choice value (None for the pool); 404 when out of scope."""
    if value == POOL:
        if not is_operator(user):
            raise NotFound(_("No such organization."))
        return None
    org = Organization.objects.visible_to(user).filter(slug=value).first()
    if org is None:
        raise NotFound(_("No such organization."))
    require_scope(user, org)
    return org
