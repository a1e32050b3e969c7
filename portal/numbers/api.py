"""Numbers API (/api/v1/numbers): bulk add, list, allocate, withdraw, tag, reserve, unreserve.

Each write answers per number: what happened, or why not. The Numbers privilege is required;
numbers and organizations outside the caller's scope are not found.
"""

from __future__ import annotations

from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, is_operator, require_privilege
from portal.lib.errors import DomainError, NotFound
from portal.numbers import services
from portal.numbers.listing import filtered_numbers, keyset_page
from portal.numbers.models import Number, NumberStatus
from portal.organizations.choices import POOL
from portal.organizations.models import Organization

router = Router(tags=["numbers"])


class NumberOut(Schema):
    number: str
    organization: str | None = Field(description="Slug; null for the operator pool")
    status: str
    tags: list[str]
    reserved_for: str
    account_id: int | None


class NumberPage(Schema):
    items: list[NumberOut]
    next: str | None = Field(
        None, description="Pass as `after` for the next page; null on the last page"
    )


class Result(Schema):
    value: str = Field(description="The number as given")
    number: str = Field(description="E.164, when it could be read")
    result: str = Field(description="added, exists, invalid, skipped, not_found or done")
    reason: str


class Results(Schema):
    results: list[Result]
    summary: dict[str, int]


class AddIn(Schema):
    organization: str | None = Field(
        None, description="Slug; null adds to the operator pool (operator only)"
    )
    numbers: list[str] = Field(description="Numbers with their country code, in any common format")
    tags: list[str] = Field(default_factory=list)
    status: Literal["available", "reserved"] = "available"


class NumbersIn(Schema):
    numbers: list[str]


class AllocateIn(NumbersIn):
    organization: str | None = Field(
        description="Slug of the destination; null for the operator pool"
    )


class TagIn(NumbersIn):
    tags: list[str]
    remove: bool = Field(False, description="Take the tags off instead of adding them")


class ReserveIn(NumbersIn):
    reserved_for: str = Field("", description="For whom, e.g. a named person or role")


class ListQuery(Schema):
    organization: str | None = Field(None, description="Slug; all of your scope when omitted")
    pool: bool = Field(False, description="Only the operator pool (operator only)")
    status: str | None = None
    tag: str | None = None
    q: str | None = Field(None, description="Digits of the number, or text of “reserved for”")
    after: str | None = None
    limit: int = Field(50, ge=1, le=500)


def number_out(n: Number) -> dict:
    account = getattr(n, "account", None) if n.status in ("assigned", "registered") else None
    return {
        "number": n.e164,
        "organization": n.organization.slug if n.organization_id else None,
        "status": n.status,
        "tags": [t.name for t in n.tags.all()],
        "reserved_for": n.reserved_for,
        "account_id": account.pk if account else None,
    }


def _answer(results) -> dict:
    return {"results": [r.as_dict() for r in results], "summary": services.summary(results)}


def _destination(request, slug: str | None):
    return None if slug is None else get_object_for(request.user, Organization.objects, slug=slug)


def _find(request, values):
    require_privilege(request.user, Privilege.NUMBERS)
    if not values:
        raise DomainError("Give at least one number.", fields={"numbers": ["required"]})
    return services.numbers_find(actor=request.user, values=values)


@router.post(
    "",
    response=Results,
    summary="Add numbers to an organization's inventory (or the operator pool)",
    description="The operator's alone: numbers come from the operator; organizations "
    "allocate, reserve and withdraw the numbers they have.",
)
def add_numbers(request, payload: AddIn):
    require_privilege(request.user, Privilege.NUMBERS)
    services.require_number_source(request.user)
    organization = _destination(request, payload.organization)
    results = services.numbers_add(
        actor=request.user,
        organization=organization,
        values=payload.numbers,
        tags=payload.tags,
        status=payload.status,
    )
    return _answer(results)


@router.get("", response=NumberPage, summary="List numbers (in number order, keyset pages)")
def list_numbers(request, filters: Query[ListQuery]):
    require_privilege(request.user, Privilege.NUMBERS)
    if filters.status and filters.status not in NumberStatus.values:
        raise DomainError(
            f"Unknown status “{filters.status}”.",
            fields={"status": [f"one of {', '.join(NumberStatus.values)}"]},
        )
    if filters.pool and filters.organization:
        raise DomainError(
            "Ask for an organization or the pool, not both.", fields={"pool": ["with organization"]}
        )
    if filters.pool and not is_operator(request.user):
        raise NotFound("No such organization.")
    organization = POOL if filters.pool else (filters.organization or "")
    numbers, _scope = filtered_numbers(
        request.user,
        organization=organization,
        status=filters.status or "",
        tag=filters.tag or "",
        q=filters.q or "",
    )
    rows, next_after = keyset_page(
        numbers, after=filters.after or "", limit=filters.limit, q=filters.q or ""
    )
    return {"items": [number_out(n) for n in rows], "next": next_after or None}


@router.post(
    "/allocate",
    response=Results,
    summary="Allocate unused numbers to an organization in your scope",
)
def allocate(request, payload: AllocateIn):
    numbers, missing = _find(request, payload.numbers)
    organization = _destination(request, payload.organization)
    return _answer(
        missing
        + services.numbers_allocate(actor=request.user, numbers=numbers, organization=organization)
    )


@router.post(
    "/withdraw", response=Results, summary="Give unused numbers back to the parent organization"
)
def withdraw(request, payload: NumbersIn):
    numbers, missing = _find(request, payload.numbers)
    return _answer(missing + services.numbers_withdraw(actor=request.user, numbers=numbers))


@router.post("/tag", response=Results, summary="Tag numbers (or untag them with remove: true)")
def tag(request, payload: TagIn):
    numbers, missing = _find(request, payload.numbers)
    return _answer(
        missing
        + services.numbers_tag(
            actor=request.user, numbers=numbers, tags=payload.tags, remove=payload.remove
        )
    )


@router.post("/reserve", response=Results, summary="Reserve available numbers")
def reserve(request, payload: ReserveIn):
    numbers, missing = _find(request, payload.numbers)
    return _answer(
        missing
        + services.numbers_reserve(
            actor=request.user, numbers=numbers, reserved_for=payload.reserved_for
        )
    )


@router.post("/unreserve", response=Results, summary="Make reserved numbers available again")
def unreserve(request, payload: NumbersIn):
    numbers, missing = _find(request, payload.numbers)
    return _answer(missing + services.numbers_unreserve(actor=request.user, numbers=numbers))
