"""SCIM filters (RFC 7644 §3.4.2.2) as database conditions.

scim2-models parses the filter; this turns its tree into a `Q` over the attributes an identity
provider filters on (userName, externalId, emails, name, active, meta dates, ids). Anything else
is refused with `invalidFilter` rather than answered wrongly.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ScimFilter,
    ValuePath,
)

from portal.accounts.models import AccountStatus
from portal.scim.schemas import Group, User

Op = CompareOperator
_TEXT = {Op.eq: "iexact", Op.co: "icontains", Op.sw: "istartswith", Op.ew: "iendswith"}
_EXACT = {Op.eq: "exact", Op.co: "contains", Op.sw: "startswith", Op.ew: "endswith"}
_ORDER = {Op.gt: "gt", Op.ge: "gte", Op.lt: "lt", Op.le: "lte", Op.eq: "exact"}


class FilterError(ValueError):
    """The filter cannot be parsed, or names what this server does not filter on."""


def _text(fields: list[str], lookups=_TEXT) -> Callable[[Op, object], Q]:
    def build(op: Op, value) -> Q:
        if op == Op.ne:
            return ~build(Op.eq, value)
        if op not in lookups or not isinstance(value, str):
            raise FilterError(f"“{op.value}” is not supported here")
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__{lookups[op]}": value})
        return condition

    return build


def _ordered(field: str) -> Callable[[Op, object], Q]:
    def build(op: Op, value) -> Q:
        if op == Op.ne:
            return ~build(Op.eq, value)
        if op not in _ORDER:
            raise FilterError(f"“{op.value}” is not supported here")
        return Q(**{f"{field}__{_ORDER[op]}": value})

    return build


def _pk(op: Op, value) -> Q:
    if op not in (Op.eq, Op.ne) or not str(value).isdigit() or len(str(value)) > 18:
        return Q(pk__in=[]) if op == Op.eq else Q()
    condition = Q(pk=int(value))
    return ~condition if op == Op.ne else condition


def _user_name(op: Op, value) -> Q:
    """userName is what the identity provider set, or, for an account it never wrote, the
    account's email or device number, so that its look-up links the accounts already there."""
    own = _text(["scim__user_name"])(op, value)
    if op == Op.ne:
        return ~_user_name(Op.eq, value)
    unlinked = Q(scim__isnull=True) & _text(["email", "device_number"])(op, value)
    return own | unlinked


def _active(op: Op, value) -> Q:
    if op not in (Op.eq, Op.ne) or not isinstance(value, bool):
        raise FilterError("active is compared with eq or ne and true or false")
    active = ~Q(status=AccountStatus.SUSPENDED)
    return active if (op == Op.eq) == value else ~active


USER_ATTRIBUTES: dict[str, Callable[[Op, object], Q]] = {
    "id": _pk,
    "username": _user_name,
    "externalid": _text(["scim__external_id"], _EXACT),
    "emails": _text(["email"]),
    "emails.value": _text(["email"]),
    "name.givenname": _text(["first_name"]),
    "name.familyname": _text(["last_name"]),
    "phonenumbers": _text(["device_number", "number__e164"], _EXACT),
    "phonenumbers.value": _text(["device_number", "number__e164"], _EXACT),
    "active": _active,
    "meta.created": _ordered("created_at"),
    "meta.lastmodified": _ordered("updated_at"),
}
USER_PRESENT = {
    "externalid": Q(scim__external_id__gt=""),
    "emails": Q(email__isnull=False),
    "username": Q(),
    "id": Q(),
    "active": Q(),
}

GROUP_ATTRIBUTES: dict[str, Callable[[Op, object], Q]] = {
    "id": _pk,
    "displayname": _text(["name"]),
    "externalid": _text(["scim__external_id"], _EXACT),
    "members": lambda op, value: (
        Q(accounts__pk=int(value))
        if op == Op.eq and str(value).isdigit() and len(str(value)) <= 18
        else Q(pk__in=[])
    ),
    "members.value": lambda op, value: (
        Q(accounts__pk=int(value))
        if op == Op.eq and str(value).isdigit() and len(str(value)) <= 18
        else Q(pk__in=[])
    ),
}
GROUP_PRESENT = {
    "externalid": Q(scim__external_id__gt=""),
    "id": Q(),
    "displayname": Q(),
    "members": Q(accounts__isnull=False),
}


def _name(path) -> str:
    name = path.attr + (f".{path.sub_attr}" if path.sub_attr else "")
    return name.lower()


def _visit(node: FilterNode, attributes, present) -> Q:
    if isinstance(node, LogicalExpr):
        condition = _visit(node.terms[0], attributes, present)
        for term in node.terms[1:]:
            other = _visit(term, attributes, present)
            condition = condition & other if node.op == LogicalOperator.and_ else condition | other
        return condition
    if isinstance(node, Not):
        return ~_visit(node.expr, attributes, present)
    if isinstance(node, Present):
        name = _name(node.attr_path)
        if name not in present:
            raise FilterError(f"filtering on “{name}” is not supported")
        return present[name]
    if isinstance(node, Comparison):
        name = _name(node.attr_path)
        if name not in attributes:
            raise FilterError(f"filtering on “{node.attr_path.attr}” is not supported")
        return attributes[name](node.op, node.value)
    if isinstance(node, ValuePath):  # emails[type eq "work" and value eq "x"]: on the value only.
        inner = node.val_filter
        if isinstance(inner, Comparison) and inner.attr_path.attr.lower() == "value":
            name = f"{node.attr_path.attr}.value".lower()
            if name in attributes:
                return attributes[name](inner.op, inner.value)
        if isinstance(inner, LogicalExpr):
            for term in inner.terms:
                if isinstance(term, Comparison) and term.attr_path.attr.lower() == "value":
                    name = f"{node.attr_path.attr}.value".lower()
                    if name in attributes:
                        return attributes[name](term.op, term.value)
        raise FilterError("a value filter must compare the value")
    raise FilterError("unsupported filter")


def to_q(text: str, model: type) -> Q:
    """The condition of a SCIM filter over accounts (User) or permission groups (Group)."""
    try:
        parsed = ScimFilter[model](text)
        tree = parsed.ast
    except FilterError:
        raise
    except Exception as error:
        raise FilterError(str(error).splitlines()[0][:200]) from None
    if model is User:
        return _visit(tree, USER_ATTRIBUTES, USER_PRESENT)
    if model is Group:
        return _visit(tree, GROUP_ATTRIBUTES, GROUP_PRESENT)
    raise FilterError("no filter on this resource")
