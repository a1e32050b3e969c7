"""The number inventory. Every status change is one
conditional UPDATE: it wins or it changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access.disclosure import NOT_AVAILABLE, NUMBER_NOT_AVAILABLE
from portal.access.scoping import is_operator, require_scope, visible_organization_ids
from portal.audit import services as audit
from portal.lib import events
from portal.lib.chunks import OneOf, chunks
from portal.lib.errors import Conflict, DomainError, Forbidden
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
        return {
            "value": self.value,
            "number": self.number,
            "result": self.result,
            "reason": self.reason,
        }


def _tags(names) -> list[Tag]:
    cleaned = sorted({n.strip().upper() for n in names if n and n.strip()})
    for name in cleaned:
        if len(name) > 40:
            raise DomainError(
                _("Tag “%(name)s” is longer than 40 characters.") % {"name": name},
                fields={"tags": ["too long"]},
            )
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=n) for n in cleaned if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    return [existing[n] for n in cleaned]


def number_range(start: str, count: int) -> list[str]:
    """`count` consecutive numbers from `start` (E.164), e.g. a DID block."""
    if not 1 <= count <= MAX_RANGE:
        raise DomainError(
            _("A range holds 1 to %(max)s numbers.") % {"max": MAX_RANGE},
            fields={"count": ["out of range"]},
        )
    try:
        first = to_e164(start)
    except PhoneError as error:
        raise DomainError(
            _("The first number %(error)s.") % {"error": error}, fields={"start": [str(error)]}
        ) from None
    base = int(first[1:])
    width = len(first) - 1
    return ["+" + str(base + i).zfill(width) for i in range(count)]


def require_number_source(actor) -> None:
    """Numbers come from the operator (the carrier's ranges): only it adds them to the inventory;
    organizations allocate, reserve and withdraw the numbers they were given."""
    if actor is not None and not is_operator(actor):
        raise Forbidden(
            _(
                "Only the operator adds numbers to the inventory; ask the operator for more, "
                "or allocate numbers your organization already has."
            )
        )


def _check_destination(actor, organization) -> None:
    """Numbers may only go to an organization in `actor`'s
    scope; the operator pool is the operator's."""
    if actor is None or is_operator(actor):
        return
    if organization is None:
        raise Forbidden(_("Only the operator can put numbers in the operator pool."))
    require_scope(actor, organization)


def _org_in_scope(actor, organization_id: int | None) -> bool:
    if actor is None:
        return True
    ids = visible_organization_ids(actor)
    return ids is None or organization_id in ids


def _in_scope(actor, number: Number) -> bool:
    return _org_in_scope(actor, number.organization_id)


def _label(organization) -> str:
    return organization.name if organization is not None else _("the operator pool")


@transaction.atomic
def numbers_add(
    *, actor, organization, values, tags=(), status: str = NumberStatus.AVAILABLE
) -> list[NumberResult]:
    """Add numbers to `organization`'s inventory (None: the operator pool). One result per value."""
    if status not in FREE:
        raise DomainError(
            _("New numbers are available or reserved."),
            fields={"status": ["must be available or reserved"]},
        )
    require_number_source(actor)
    _check_destination(actor, organization)
    tag_objects = _tags(tags)
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
            result.result, result.reason = "invalid", _("The number %(error)s.") % {"error": error}
            continue
        if result.number in wanted:
            result.result, result.reason = "skipped", _("Listed twice; added once.")
            continue
        wanted[result.number] = result
    if not results:
        raise DomainError(_("Give at least one number."), fields={"numbers": ["required"]})
    existing = (
        set()
    )  # Only the operator adds numbers (`require_number_source`): it may hear of any.
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        existing |= set(
            Number.objects.filter(e164__in=keys[start : start + 500]).values_list("e164", flat=True)
        )
    for e164 in existing:
        wanted[e164].result, wanted[e164].reason = "exists", _("Already in the inventory.")
    new = [
        Number(e164=e164, organization=organization, status=status)
        for e164 in wanted
        if e164 not in existing
    ]
    Number.objects.bulk_create(new, batch_size=1000)
    if new and tag_objects:
        through = Number.tags.through
        links = []
        for start in range(0, len(new), 500):
            chunk = [n.e164 for n in new[start : start + 500]]
            ids = Number.objects.filter(e164__in=chunk).values_list("pk", flat=True)
            links += [through(number_id=pk, tag_id=tag.pk) for pk in ids for tag in tag_objects]
        through.objects.bulk_create(links, batch_size=1000)
    if new:
        audit.record(
            actor=actor,
            action="numbers.add",
            organization=organization,
            data={
                "added": len(new),
                "tags": [t.name for t in tag_objects],
                "status": status,
                "to": organization.slug if organization else None,
                "numbers": [n.e164 for n in new][:100],
            },
        )
        _changed([organization])
    return results


def _changed(organizations) -> None:
    """Numbers came or went: the lasting alerts (invitation
    threshold, utilisation) are checked again."""
    for organization in {o.pk: o for o in organizations if o is not None}.values():
        events.organization_changed.send(sender=Number, organization=organization)


def numbers_find(*, actor, values) -> tuple[list[Number], list[NumberResult]]:
    """The numbers of the inventory `actor` may see, from
    what a caller typed; a result for each miss."""
    found: list[Number] = []
    missing: list[NumberResult] = []
    seen: set[str] = set()
    wanted: dict[str, str] = {}
    for value in values:
        value = str(value).strip()
        if not value:
            continue
        try:
            e164 = to_e164(value)
        except PhoneError as error:
            missing.append(
                NumberResult(
                    value=value,
                    result="invalid",
                    reason=_("The number %(error)s.") % {"error": error},
                )
            )
            continue
        if e164 not in seen:
            seen.add(e164)
            wanted[e164] = value
    numbers = Number.objects.select_related("organization").filter(e164__in=list(wanted))
    if actor is not None:
        numbers = numbers.visible_to(actor)
    by_e164 = {n.e164: n for n in numbers}
    for e164, value in wanted.items():
        if e164 in by_e164:
            found.append(by_e164[e164])
        else:
            missing.append(
                NumberResult(
                    value=value, number=e164, result="not_found", reason=_("Not in your inventory.")
                )
            )
    return found, missing


def _per_number(numbers, moved_ids, reason) -> list[NumberResult]:
    return [
        NumberResult(
            value=n.e164,
            number=n.e164,
            result="done" if n.pk in moved_ids else "skipped",
            reason="" if n.pk in moved_ids else reason(n),
        )
        for n in numbers
    ]


def _current(numbers) -> dict[int, Number]:
    """The numbers as the database has them now (callers may hold stale copies)."""
    return {
        n.pk: n
        for n in Number.objects.filter(pk__in=[n.pk for n in numbers]).select_related(
            "organization"
        )
    }


def _move(*, actor, numbers, organization, action: str) -> set[int]:
    """Move the unused ones of `numbers` (in `actor`'s
    scope) to `organization`; the ids that moved."""
    movable = Number.objects.filter(
        pk__in=[n.pk for n in numbers], status__in=FREE, account__isnull=True
    )
    if actor is not None:
        movable = movable.visible_to(actor)
    before = {n.pk: n for n in movable.select_related("organization")}
    moved_ids: set[int] = set()
    if before:
        # Plain column conditions only: PostgreSQL re-checks them on the locked row (a join would
        # not be).
        Number.objects.filter(pk__in=list(before), status__in=FREE).update(
            organization=organization, updated_at=timezone.now()
        )
        # A number taken meanwhile did not match the conditional update: it stays where it was.
        moved_ids = set(
            Number.objects.filter(pk__in=list(before), organization=organization).values_list(
                "pk", flat=True
            )
        )
        before = {pk: n for pk, n in before.items() if pk in moved_ids}
    if moved_ids:
        audit.record(
            actor=actor,
            action=action,
            organization=organization,
            data={
                "numbers": [n.e164 for n in before.values()][:100],
                "count": len(moved_ids),
                "from": sorted(
                    {n.organization.slug if n.organization else "pool" for n in before.values()}
                ),
                "to": organization.slug if organization else None,
            },
        )
        _changed([organization, *(n.organization for n in before.values())])
    return moved_ids


def _unmoved_reason(actor, numbers):
    current = _current(numbers)

    def reason(n: Number) -> str:
        now = current.get(n.pk)
        if now is None or not _in_scope(actor, now):
            return _("Not in your inventory.")
        if now.status in FREE:
            return _("It is held by an account; only unused numbers move.")
        return _("It is %(status)s; only unused numbers move.") % {"status": now.status}

    return reason


@transaction.atomic
def numbers_allocate(*, actor, numbers, organization) -> list[NumberResult]:
    """Move unused numbers to `organization` (from the pool or a parent to a sub-organization, or
    between organizations of `actor`'s scope). None is the operator pool (operator only)."""
    _check_destination(actor, organization)
    numbers = list(numbers)
    moved_ids = _move(
        actor=actor, numbers=numbers, organization=organization, action="numbers.allocate"
    )
    return _per_number(numbers, moved_ids, _unmoved_reason(actor, numbers))


@transaction.atomic
def numbers_withdraw(*, actor, numbers, organization=None) -> list[NumberResult]:
    """Give unused numbers back to the parent of the organization holding them (or to the operator
    pool for a top-level organization). `organization`, when given, limits it to that one's
    numbers."""
    numbers = list(numbers)
    current = _current(numbers)
    results: dict[int, NumberResult] = {}
    groups: dict[int | None, list[Number]] = {}
    for n in numbers:
        n = current.get(n.pk, n)
        if organization is not None and n.organization_id != organization.pk:
            results[n.pk] = NumberResult(
                value=n.e164,
                number=n.e164,
                result="skipped",
                reason=_("It is not a number of %(organization)s.")
                % {"organization": organization},
            )
        elif n.organization_id is None:
            results[n.pk] = NumberResult(
                value=n.e164,
                number=n.e164,
                result="skipped",
                reason=_("It is in the operator pool already."),
            )
        else:
            groups.setdefault(n.organization_id, []).append(n)
    for group in groups.values():
        source = group[0].organization
        parent = source.parent
        if (
            actor is not None
            and not is_operator(actor)
            and (parent is None or not _org_in_scope(actor, parent.pk))
        ):
            for n in group:
                results[n.pk] = NumberResult(
                    value=n.e164,
                    number=n.e164,
                    result="skipped",
                    reason=(
                        _("Only the operator can withdraw numbers from %(source)s to %(target)s.")
                        % {"source": source, "target": _label(parent)}
                    ),
                )
            continue
        moved_ids = _move(
            actor=actor, numbers=group, organization=parent, action="numbers.withdraw"
        )
        for r, n in zip(_per_number(group, moved_ids, _unmoved_reason(actor, group)), group):
            results[n.pk] = r
    return [results[n.pk] for n in numbers]


@transaction.atomic
def numbers_tag(*, actor, numbers, tags, remove: bool = False) -> list[NumberResult]:
    """Add (or with `remove`, take off) `tags` on `numbers`, e.g. PORTED."""
    numbers = [n for n in _current(numbers).values() if _in_scope(actor, n)]
    tag_objects = _tags(tags)
    if not tag_objects:
        raise DomainError(_("Name at least one tag."), fields={"tags": ["required"]})
    through = Number.tags.through
    ids = [n.pk for n in numbers]
    if remove:
        through.objects.filter(number_id__in=ids, tag__in=tag_objects).delete()
    else:
        through.objects.bulk_create(
            [through(number_id=pk, tag_id=t.pk) for pk in ids for t in tag_objects],
            ignore_conflicts=True,
        )
    if numbers:
        audit.record(
            actor=actor,
            action="numbers.untag" if remove else "numbers.tag",
            organization=numbers[0].organization,
            data={
                "tags": [t.name for t in tag_objects],
                "count": len(ids),
                "numbers": [n.e164 for n in numbers][:100],
            },
        )
    return [NumberResult(value=n.e164, number=n.e164, result="done") for n in numbers]


def _set_status(
    *, actor, numbers, source: str, target: str, action: str, reserved_for: str = ""
) -> list[NumberResult]:
    numbers = list(numbers)
    current = _current(numbers)
    results = []
    with transaction.atomic():
        for n in numbers:
            n = current.get(n.pk, n)
            if not _in_scope(actor, n):
                results.append(
                    NumberResult(
                        value=n.e164,
                        number=n.e164,
                        result="skipped",
                        reason=_("Not in your inventory."),
                    )
                )
                continue
            # Plain column conditions only: PostgreSQL re-checks them on the locked row (a join
            # would not be).
            changed = Number.objects.filter(
                pk=n.pk, organization_id=n.organization_id, status=source
            ).update(
                status=target,
                reserved_for=reserved_for if target == NumberStatus.RESERVED else "",
                updated_at=timezone.now(),
            )
            if changed:
                n.status = target
            results.append(
                NumberResult(
                    value=n.e164,
                    number=n.e164,
                    result="done" if changed else "skipped",
                    reason=""
                    if changed
                    else _("It is %(status)s, not %(source)s.")
                    % {"status": _status_now(n), "source": source},
                )
            )
        done = [r.number for r in results if r.result == "done"]
        if done:
            audit.record(
                actor=actor,
                action=action,
                organization=numbers[0].organization,
                data={"numbers": done[:100], "count": len(done), "reserved_for": reserved_for},
            )
            _changed(n.organization for n in numbers)
    return results


def _status_now(number: Number) -> str:
    return Number.objects.filter(pk=number.pk).values_list("status", flat=True).first() or "gone"


def numbers_reserve(*, actor, numbers, reserved_for: str = "") -> list[NumberResult]:
    """Set available numbers aside (e.g. for a named person
    or role); only an admin's pick takes them."""
    reserved_for = (reserved_for or "").strip()
    if len(reserved_for) > 120:
        raise DomainError(
            "“Reserved for” is at most 120 characters.", fields={"reserved_for": ["too long"]}
        )
    return _set_status(
        actor=actor,
        numbers=numbers,
        source=NumberStatus.AVAILABLE,
        target=NumberStatus.RESERVED,
        action="numbers.reserve",
        reserved_for=reserved_for,
    )


def numbers_unreserve(*, actor, numbers) -> list[NumberResult]:
    return _set_status(
        actor=actor,
        numbers=numbers,
        source=NumberStatus.RESERVED,
        target=NumberStatus.AVAILABLE,
        action="numbers.unreserve",
    )


def summary(results: list[NumberResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.result] = counts.get(r.result, 0) + 1
    return counts


def number_take(
    *,
    organization,
    e164: str | None = None,
    tag: str | None = None,
    statuses=FREE,
    target: str = NumberStatus.ASSIGNED,
) -> Number:
    """Take one number of `organization` for an account: the given one, or any free one with `tag`.

    Must run inside the caller's transaction. A conditional UPDATE decides the race: the loser gets
    a Conflict, never a number held twice.
    """
    if e164:
        number = Number.objects.filter(e164=e164).select_related("organization").first()
        if number is None or number.organization_id != organization.pk:
            # Checked before by `find_conflicts` with the caller's scope; here (a race, or an end
            # user's pick at activation) the same words whether nobody or another tenant has it.
            raise Conflict(NUMBER_NOT_AVAILABLE, fields={"multiline_number": [NOT_AVAILABLE]})
        # The organization is part of the condition: a number allocated elsewhere meanwhile is not
        # taken.
        if (
            numbers_take([number.pk], organization=organization, statuses=statuses, target=target)
            != 1
        ):
            # Read it again: a concurrent transaction may have just taken or moved it.
            status, owner = (
                Number.objects.filter(pk=number.pk).values_list("status", "organization_id").first()
            )
            if owner != organization.pk:
                raise Conflict(NUMBER_NOT_AVAILABLE, fields={"multiline_number": [NOT_AVAILABLE]})
            raise Conflict(
                f"{e164} is not available: it is {status}.",
                fields={"multiline_number": [f"not available ({status})"]},
            )
        number.status = target
        return number
    candidates = Number.objects.filter(
        organization=organization,
        status__in=statuses,
        account__isnull=True,
        tags__name=tag.strip().upper(),
    ).order_by("status", "e164")
    for _attempt in range(20):
        if connection.features.has_select_for_update_skip_locked:
            number = candidates.select_for_update(skip_locked=True, of=("self",)).first()
        else:
            number = candidates.first()
        if number is None:
            raise Conflict(
                f"{organization} has no available number tagged {tag.upper()}.",
                fields={"number_tag": ["no available number with this tag"]},
            )
        if numbers_take([number.pk], organization=organization, statuses=statuses, target=target):
            number.status = target
            return number
    raise Conflict(
        _("Numbers are being taken very fast right now; try again."),
        fields={"number_tag": ["busy"]},
    )


def numbers_take(
    pks, *, organization=None, statuses=FREE, target: str = NumberStatus.ASSIGNED
) -> int:
    """The one write that takes numbers (single, batch, move, reactivation, an end user's pick):
    a conditional UPDATE of those still in `statuses` (and still `organization`'s, when given) to
    `target`. Answers how many it took: fewer than asked is a lost race, for the caller to refuse
    in its own transaction."""
    taken = 0
    for chunk in chunks(pks):
        # PostgreSQL takes the ids as one value (a chunk's 500 ids); SQLite keeps the plain list,
        # with which it probes the primary key (with `json_each` it scans the status index).
        ids = OneOf("pk", chunk) if connection.vendor == "postgresql" else Q(pk__in=chunk)
        free = Number.objects.filter(ids, status__in=statuses)
        if organization is not None:
            free = free.filter(organization=organization)
        taken += free.update(status=target)
    return taken


def numbers_release(pks) -> None:
    """The one write that gives numbers back: `available`, no reservation (after suspension,
    deletion or a move; single or bulk)."""
    for chunk in chunks(pk for pk in pks if pk):
        Number.objects.filter(pk__in=chunk).update(status=NumberStatus.AVAILABLE, reserved_for="")


def number_release(*, number: Number) -> None:
    """Back to `available` (after suspension, deletion or a move)."""
    numbers_release([number.pk])
    number.status = NumberStatus.AVAILABLE


def counts_by_status(queryset) -> dict[str, int]:
    counts = {s: 0 for s in NumberStatus.values}
    for row in queryset.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in NumberStatus.values)
    return counts
