"""API of the account lifecycle (/api/v1/accounts/...): move, edit, suspend, reactivate, delete.

Bulk calls take `ids`, or `filter` (the Accounts list's query: organization, status, q; `{}` is
every account in your scope) with `all_matching: true` — never everything by omission — and an
optional `Idempotency-Key` header. Up to 200 accounts they answer 200 with a result per account;
above, 202 and a job to poll at /api/v1/accounts/jobs/{id}. A move the destination cannot onboard is
409 with the article's message, and nothing moves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ninja import Router, Schema
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, require_privilege
from portal.accounts import lifecycle
from portal.accounts.api import AccountOut, AccountSettingsIn, account_out
from portal.accounts.columns import describe
from portal.accounts.listing import with_relations
from portal.accounts.models import Account, AccountStatus
from portal.accounts.selection import select_accounts
from portal.jobs.api import IdempotencyKey, idempotent
from portal.jobs.models import BulkJob
from portal.organizations.models import Organization

lifecycle_router = Router(tags=["accounts"])


class FilterIn(BaseModel):
    """The Accounts list's query (GET /api/v1/accounts), as an object. A plain pydantic model:
    anything but an object with these keys is refused (ninja's Schema would read `"oops"` as
    `{}`)."""

    model_config = ConfigDict(extra="forbid")

    organization: StrictStr | None = Field(None, description="Slug: accounts of this organization")
    status: StrictStr | None = Field(None, description=f"One of {', '.join(AccountStatus.values)}")
    q: StrictStr | None = Field(None, description="Name, email, MultiLine or device number")


class SelectionIn(Schema):
    """`ids`, or `filter` with `all_matching: true`: never every account by omission."""

    model_config = ConfigDict(extra="forbid")

    ids: list[StrictInt] | None = Field(
        None, description="Account ids (at least one), each in your scope"
    )
    filter: FilterIn | None = Field(
        None,
        description="Instead of ids: the list's filters; `{}` is every "
        "account in your scope. Needs `all_matching: true`",
    )
    all_matching: StrictBool = Field(
        False, description="Must be true with `filter`: act on every account it matches"
    )

    def accounts(self, user):
        return select_accounts(
            user,
            ids=self.ids,
            all_matching=self.all_matching,
            filter=None if self.filter is None else self.filter.model_dump(exclude_none=True),
        )

    @property
    def by_filter(self) -> bool:
        return self.filter is not None


class MoveIn(SelectionIn):
    organization: str = Field(description="Slug of the destination organization (in your scope)")


class SuspendIn(SelectionIn):
    reason: str = ""


class Changes(AccountSettingsIn):
    permission_group: str | None = Field(
        None, description="Name of a group of each account's organization"
    )


class EditIn(SelectionIn):
    changes: Changes


class AccountEditIn(AccountSettingsIn):
    first_name: str | None = Field(None, description=describe("first_name"))
    last_name: str | None = Field(None, description=describe("last_name"))
    email: str | None = Field(None, description=describe("email"))
    multiline_number: str | None = Field(
        None, description=describe("multiline_number") + '. On an edit, "" takes the number away'
    )
    number_tag: str | None = None
    permission_group: str | None = None


class ResultOut(Schema):
    id: int
    account: str
    result: str = Field(description="done or skipped")
    reason: str


class JobOut(Schema):
    id: int
    action: str
    status: str = Field(description="queued, running, completed or failed")
    total: int
    processed: int
    done: int
    skipped: int
    error: str
    created_at: datetime
    finished_at: datetime | None
    results: list[ResultOut] | None = None


class BulkOut(Schema):
    done: int
    skipped: int
    results: list[ResultOut]


def job_out(job, *, with_results: bool = False) -> dict:
    data = {
        f: getattr(job, f)
        for f in (
            "id",
            "action",
            "status",
            "total",
            "processed",
            "done",
            "skipped",
            "error",
            "created_at",
            "finished_at",
        )
    }
    data["results"] = job.results if with_results else None
    return data


BULK_RESPONSES = {200: BulkOut, 202: JobOut}


def _run(
    request, action: str, payload: SelectionIn, key: str | None, params: Callable[[], dict] = dict
):
    """Select (ids, or filter with all_matching), run, answer 200 with results or 202 with a job;
    with an Idempotency-Key, a repeat answers the first answer and does nothing."""
    require_privilege(request.user, Privilege.ACCOUNTS)

    def run():
        accounts = payload.accounts(request.user)
        outcome = lifecycle.bulk_run(
            actor=request.user,
            action=action,
            accounts=accounts,
            by_filter=payload.by_filter,
            params=params(),
        )
        if outcome.job is not None:
            return 202, job_out(outcome.job)
        return 200, {
            "done": outcome.done,
            "skipped": outcome.skipped,
            "results": [r.as_dict() for r in outcome.results],
        }

    return idempotent(request, key=key, payload=payload, responses=BULK_RESPONSES, run=run)


@lifecycle_router.post(
    "/move",
    response=BULK_RESPONSES,
    summary="Move accounts to another organization (409 when it lacks the numbers)",
)
def move(request, payload: MoveIn, idempotency_key: IdempotencyKey = None):
    return _run(
        request,
        "move",
        payload,
        idempotency_key,
        lambda: {
            "organization": get_object_for(
                request.user, Organization.objects, slug=payload.organization
            )
        },
    )


@lifecycle_router.post(
    "/suspend",
    response=BULK_RESPONSES,
    summary="Suspend accounts: their numbers go back to available",
)
def suspend(request, payload: SuspendIn, idempotency_key: IdempotencyKey = None):
    return _run(request, "suspend", payload, idempotency_key, lambda: {"reason": payload.reason})


@lifecycle_router.post(
    "/reactivate", response=BULK_RESPONSES, summary="Reactivate suspended accounts"
)
def reactivate(request, payload: SelectionIn, idempotency_key: IdempotencyKey = None):
    return _run(request, "reactivate", payload, idempotency_key)


@lifecycle_router.post(
    "/delete",
    response=BULK_RESPONSES,
    summary="Delete accounts: numbers released; email and device may be invited again",
)
def delete(request, payload: SelectionIn, idempotency_key: IdempotencyKey = None):
    return _run(request, "delete", payload, idempotency_key)


@lifecycle_router.post(
    "/edit",
    response=BULK_RESPONSES,
    summary="Set the same permission group, features or language on many accounts",
)
def edit_many(request, payload: EditIn, idempotency_key: IdempotencyKey = None):
    return _run(
        request,
        "edit",
        payload,
        idempotency_key,
        lambda: {"changes": payload.changes.dict(exclude_none=True)},
    )


@lifecycle_router.get(
    "/jobs/{int:job_id}", response=JobOut, summary="A bulk job: progress, then results"
)
def job(request, job_id: int):
    require_privilege(request.user, Privilege.ACCOUNTS)
    return job_out(get_object_for(request.user, BulkJob.objects, pk=job_id), with_results=True)


def _one(request, account_id: int) -> Account:
    require_privilege(request.user, Privilege.ACCOUNTS)
    return get_object_for(
        request.user, Account.objects.select_related("organization", "number"), pk=account_id
    )


@lifecycle_router.post(
    "/{int:account_id}/edit",
    response=AccountOut,
    summary="Edit one account (the rules of Add Account); answers the account",
)
def edit_one(request, account_id: int, payload: AccountEditIn):
    account = _one(request, account_id)
    lifecycle.account_edit(
        actor=request.user, account=account, data=payload.dict(exclude_none=True)
    )
    return account_out(with_relations(Account.objects).get(pk=account.pk))


def _single(action: str):
    def view(request, account_id: int):
        account = _one(request, account_id)
        outcome = lifecycle.bulk_run(
            actor=request.user, action=action, accounts=Account.objects.filter(pk=account.pk)
        )
        return {
            "done": outcome.done,
            "skipped": outcome.skipped,
            "results": [r.as_dict() for r in outcome.results],
        }

    view.__name__ = f"{action}_one"
    return view


for _action in ("suspend", "reactivate", "delete"):
    lifecycle_router.post(
        f"/{{int:account_id}}/{_action}",
        response=BulkOut,
        summary=f"{_action.capitalize()} one account",
    )(_single(_action))


class MoveOneIn(Schema):
    organization: str


@lifecycle_router.post("/{int:account_id}/move", response=BulkOut, summary="Move one account")
def move_one(request, account_id: int, payload: MoveOneIn):
    account = _one(request, account_id)
    destination = get_object_for(request.user, Organization.objects, slug=payload.organization)
    outcome = lifecycle.bulk_run(
        actor=request.user,
        action="move",
        accounts=Account.objects.filter(pk=account.pk),
        params={"organization": destination},
    )
    return {
        "done": outcome.done,
        "skipped": outcome.skipped,
        "results": [r.as_dict() for r in outcome.results],
    }
