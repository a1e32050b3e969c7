"""The number inventory. Every status change is one conditional UPDATE: it wins or it changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count

from portal.audit import services as audit
from portal.lib.errors import Conflict, DomainError
from portal.lib.phones import PhoneError, to_e164
from portal.numbers.models import Number, NumberStatus, Tag

FREE = (NumberStatus.AVAILABLE, NumberStatus.RESERVED)
MAX_RANGE = 10_000


@dataclass
class NumberResult:
    value: str
    number: str = ""
    result: str = "added"  # added | exists | invalid | skipped | done
    reason: str = ""

    def as_dict(self) -> dict:
        return {"value": self.value, "number": self.number, "result": self.result, "reason": self.reason}


def _tags(names) -> list[Tag]:
    cleaned = sorted({n.strip().upper() for n in names if n and n.strip()})
    for name in cleaned:
        if len(name) > 40:
            raise DomainError(f"Tag “{name}” is longer than 40 characters.", fields={"tags": ["too long"]})
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=n) for n in cleaned if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    return [existing[n] for n in cleaned]


def number_range(start: str, count: int) -> list[str]:
    """`count` consecutive numbers from `start` (E.164), e.g. a DID block."""
    if not 1 <= count <= MAX_RANGE:
        raise DomainError(f"A range holds 1 to {MAX_RANGE} numbers.", fields={"count": ["out of range"]})
    try:
        first = to_e164(start)
    except PhoneError as error:
        raise DomainError(f"The first number {error}.", fields={"start": [str(error)]}) from None
    base = int(first[1:])
    width = len(first) - 1
    return ["+" + str(base + i).zfill(width) for i in range(count)]


@transaction.atomic
def numbers_add(*, actor, organization, values, tags=(), status: str = NumberStatus.AVAILABLE) -> list[NumberResult]:
    """Add numbers to `organization`'s inventory (None: the operator pool). One result per value."""
    if status not in FREE:
        raise DomainError("New numbers are available or reserved.", fields={"status": ["must be available or reserved"]})
    results: list[NumberResult] = []
    wanted: dict[str, NumberResult] = {}
    for value in values:
        value = str(value).strip()
        if not value:
            continue
        result = NumberResult(value=value)
        results.append(result)
        try:
            result.number = to_e164(value)
        except PhoneError as error:
            result.result, result.reason = "invalid", f"The number {error}."
            continue
        if result.number in wanted:
            result.result, result.reason = "skipped", "Listed twice; added once."
            continue
        wanted[result.number] = result
    existing = set(Number.objects.filter(e164__in=list(wanted)).values_list("e164", flat=True))
    for e164 in existing:
        wanted[e164].result, wanted[e164].reason = "exists", "Already in the inventory."
    new = [Number(e164=e164, organization=organization, status=status) for e164 in wanted if e164 not in existing]
    Number.objects.bulk_create(new, batch_size=1000)
    tag_objects = _tags(tags)
    if new and tag_objects:
        ids = Number.objects.filter(e164__in=[n.e164 for n in new]).values_list("pk", flat=True)
        through = Number.tags.through
        through.objects.bulk_create(
            [through(number_id=pk, tag_id=tag.pk) for pk in ids for tag in tag_objects], batch_size=1000
        )
    audit.record(
        actor=actor, action="numbers.add", organization=organization,
        data={"added": len(new), "tags": [t.name for t in tag_objects], "status": status,
              "numbers": [n.e164 for n in new][:100]},
    )
    return results


def _per_number(numbers, moved_ids, reason) -> list[NumberResult]:
    return [
        NumberResult(value=n.e164, number=n.e164, result="done" if n.pk in moved_ids else "skipped",
                     reason="" if n.pk in moved_ids else reason(n))
        for n in numbers
    ]


@transaction.atomic
def numbers_allocate(*, actor, numbers, organization) -> list[NumberResult]:
    """Move unused numbers to `organization` (from the pool, a parent, or withdraw to a parent/pool)."""
    numbers = list(numbers)
    ids = [n.pk for n in numbers]
    movable = Number.objects.filter(pk__in=ids, status__in=FREE, account__isnull=True)
    moved_ids = set(movable.values_list("pk", flat=True))
    Number.objects.filter(pk__in=moved_ids, status__in=FREE).update(organization=organization)
    audit.record(
        actor=actor, action="numbers.allocate", organization=organization,
        data={"numbers": [n.e164 for n in numbers if n.pk in moved_ids][:100], "count": len(moved_ids),
              "to": organization.slug if organization else None},
    )
    return _per_number(numbers, moved_ids, lambda n: f"It is {n.status}; only unused numbers move.")


def numbers_withdraw(*, actor, numbers, organization) -> list[NumberResult]:
    """Give unused numbers of `organization` back to its parent (or to the operator pool)."""
    return numbers_allocate(actor=actor, numbers=[n for n in numbers], organization=organization.parent)


@transaction.atomic
def numbers_tag(*, actor, numbers, tags, remove: bool = False) -> int:
    numbers = list(numbers)
    tag_objects = _tags(tags)
    through = Number.tags.through
    ids = [n.pk for n in numbers]
    if remove:
        through.objects.filter(number_id__in=ids, tag__in=tag_objects).delete()
    else:
        through.objects.bulk_create(
            [through(number_id=pk, tag_id=t.pk) for pk in ids for t in tag_objects], ignore_conflicts=True
        )
    audit.record(actor=actor, action="numbers.untag" if remove else "numbers.tag",
                 organization=numbers[0].organization if numbers else None,
                 data={"tags": [t.name for t in tag_objects], "count": len(ids)})
    return len(ids)


def _set_status(*, actor, numbers, source: str, target: str, action: str, reserved_for: str = "") -> list[NumberResult]:
    numbers = list(numbers)
    results = []
    with transaction.atomic():
        for n in numbers:
            changed = Number.objects.filter(pk=n.pk, status=source).update(
                status=target, reserved_for=reserved_for if target == NumberStatus.RESERVED else ""
            )
            results.append(NumberResult(value=n.e164, number=n.e164, result="done" if changed else "skipped",
                                        reason="" if changed else f"It is not {source}."))
        done = [r.number for r in results if r.result == "done"]
        audit.record(actor=actor, action=action, organization=numbers[0].organization if numbers else None,
                     data={"numbers": done[:100], "count": len(done), "reserved_for": reserved_for})
    return results


def numbers_reserve(*, actor, numbers, reserved_for: str = "") -> list[NumberResult]:
    return _set_status(actor=actor, numbers=numbers, source=NumberStatus.AVAILABLE,
                       target=NumberStatus.RESERVED, action="numbers.reserve", reserved_for=reserved_for)


def numbers_unreserve(*, actor, numbers) -> list[NumberResult]:
    return _set_status(actor=actor, numbers=numbers, source=NumberStatus.RESERVED,
                       target=NumberStatus.AVAILABLE, action="numbers.unreserve")


def number_take(*, organization, e164: str | None = None, tag: str | None = None,
                statuses=FREE, target: str = NumberStatus.ASSIGNED) -> Number:
    """Take one number of `organization` for an account: the given one, or any free one with `tag`.

    Must run inside the caller's transaction. A conditional UPDATE decides the race: the loser gets
    a Conflict, never a number held twice.
    """
    if e164:
        number = Number.objects.filter(e164=e164).select_related("organization").first()
        if number is None:
            raise Conflict(f"{e164} is not in the inventory.", fields={"multiline_number": ["not in the inventory"]})
        if number.organization_id != organization.pk:
            raise Conflict(f"{e164} is not a number of {organization}.",
                           fields={"multiline_number": ["belongs to another organization"]})
        if Number.objects.filter(pk=number.pk, status__in=statuses).update(status=target) != 1:
            raise Conflict(f"{e164} is not available: it is {number.status}.",
                           fields={"multiline_number": [f"not available ({number.status})"]})
        number.status = target
        return number
    candidates = Number.objects.filter(organization=organization, status__in=statuses, account__isnull=True,
                                       tags__name=tag.strip().upper()).order_by("status", "e164")
    for _attempt in range(20):
        if connection.features.has_select_for_update_skip_locked:
            number = candidates.select_for_update(skip_locked=True, of=("self",)).first()
        else:
            number = candidates.first()
        if number is None:
            raise Conflict(f"{organization} has no available number tagged {tag.upper()}.",
                           fields={"number_tag": ["no available number with this tag"]})
        if Number.objects.filter(pk=number.pk, status__in=statuses).update(status=target) == 1:
            number.status = target
            return number
    raise Conflict("Numbers are being taken very fast right now; try again.", fields={"number_tag": ["busy"]})


def number_release(*, number: Number) -> None:
    """Back to `available` (after suspension, deletion or a move)."""
    Number.objects.filter(pk=number.pk).update(status=NumberStatus.AVAILABLE, reserved_for="")
    number.status = NumberStatus.AVAILABLE


def counts_by_status(queryset) -> dict[str, int]:
    counts = {s: 0 for s in NumberStatus.values}
    for row in queryset.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in NumberStatus.values)
    return counts
