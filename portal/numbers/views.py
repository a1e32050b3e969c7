from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, is_operator, privilege_required
from portal.jobs.models import BulkJob
from portal.jobs.services import job_record
from portal.lib.errors import DomainError
from portal.lib.http import see_other
from portal.numbers import services
from portal.numbers.files import read_numbers
from portal.numbers.forms import NumberAddForm, NumberFilterForm, split_tags
from portal.numbers.listing import counts_changed, filtered_numbers, keyset_page, page_counts
from portal.numbers.models import Number, NumberStatus, Tag
from portal.organizations.choices import organization_choices, organization_from_choice

PAGE_SIZE = 50
ADD_ACTION = "numbers.add"


@privilege_required(Privilege.NUMBERS)
def number_list(request):
    # The tags on a number in scope: one probe per tag (a join would read every number in scope,
    # 0.16 s for an operator's million on SQLite).
    in_scope = Number.tags.through.objects.filter(
        tag=OuterRef("pk"), number__in=Number.objects.visible_to(request.user)
    )
    tags = list(Tag.objects.filter(Exists(in_scope)).values_list("name", flat=True))
    destinations = organization_choices(request.user, pool=True)
    form = NumberFilterForm(
        request.GET or None, user=request.user, tags=tags, organizations=destinations
    )
    filters = form.cleaned_data if form.is_valid() else {}
    problems = [
        _("%(filter)s: “%(value)s” is not one of the choices, so no filter is applied.")
        % {"filter": form[name].label, "value": request.GET.get(name, "")[:80]}
        for name in (form.errors if form.is_bound else ())
    ]
    numbers, scope = filtered_numbers(
        request.user, **{k: filters.get(k, "") for k in ("organization", "status", "tag", "q")}
    )
    after = request.GET.get("after", "")
    rows, next_after = keyset_page(numbers, after=after, limit=PAGE_SIZE, q=filters.get("q", ""))
    query = request.GET.copy()
    query.pop("after", None)
    counts, counted_at = page_counts(scope)
    return render(
        request,
        "numbers/list.html",
        {
            "nav": "numbers",
            "form": form,
            "counts": counts,
            "counted_at": counted_at,
            "status_counts": [
                (value, label, counts[value]) for value, label in NumberStatus.choices
            ],
            "numbers": rows,
            "after": after,
            "next_after": next_after,
            "query": query.urlencode(),
            "destinations": destinations,
            "back": request.get_full_path(),
            "filter_problems": problems,
            "can_add": is_operator(request.user),
        },
        status=400 if problems else 200,
    )


@privilege_required(Privilege.NUMBERS)
def number_add(request):
    services.require_number_source(request.user)
    results = None
    form = NumberAddForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization = organization_from_choice(request.user, data["organization"])
            if data["file"]:
                values = read_numbers(data["file"].read(), data["file"].name)
            elif data["range_start"]:
                values = services.number_range(data["range_start"], data["range_count"])
            else:
                values = [v for line in data["numbers"].splitlines() for v in line.split(",")]
            results = services.numbers_add(
                actor=request.user,
                organization=organization,
                values=values,
                tags=split_tags(data["tags"]),
                status=data["status"],
            )
        except DomainError as error:
            for field, reasons in error.fields.items():
                if field in form.fields:
                    form.add_error(field, reasons)
            form.add_error(None, error.message)
        else:
            counts_changed()
            job = job_record(
                actor=request.user,
                action=ADD_ACTION,
                results=[r.as_dict() for r in results],
                done_result="added",
            )
            return see_other("numbers:add_result", job_id=job.pk)
    return render(
        request,
        "numbers/add.html",
        {
            "nav": "numbers",
            "form": form,
            "results": results,
            "summary": services.summary(results) if results else {},
        },
        status=400 if form.is_bound else 200,
    )


@privilege_required(Privilege.NUMBERS)
def number_add_result(request, job_id: int):
    """What an Add numbers POST did (POST/redirect/GET: reloading this adds nothing)."""
    job = get_object_for(request.user, BulkJob.objects.filter(action=ADD_ACTION), pk=job_id)
    counts: dict[str, int] = {}
    for row in job.results:
        counts[row["result"]] = counts.get(row["result"], 0) + 1
    return render(
        request,
        "numbers/add.html",
        {
            "nav": "numbers",
            "form": NumberAddForm(user=request.user),
            "results": job.results,
            "summary": counts,
        },
    )


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("numbers:list")


def _selected(request) -> list[Number]:
    ids = [i for i in request.POST.getlist("n") if i.isdigit()]
    return list(
        Number.objects.visible_to(request.user).select_related("organization").filter(pk__in=ids)
    )


def _report(request, results, done) -> None:
    """Flash what an action did: `done(n)` says it for n numbers, then the ones not changed."""
    counts = services.summary(results)
    if counts.get("done"):
        messages.success(request, done(counts["done"]))
    skipped = [r for r in results if r.result != "done"]
    if skipped:
        shown = "; ".join(f"{r.number or r.value}: {r.reason}" for r in skipped[:5])
        if len(skipped) > 5:
            shown += " " + _("(and %(more)s more)") % {"more": len(skipped) - 5}
        messages.warning(
            request,
            _("%(count)s not changed — %(numbers)s") % {"count": len(skipped), "numbers": shown},
        )


def _action(request, run, done):
    numbers = _selected(request)
    if not numbers:
        messages.error(request, _("Select at least one number first."))
        return _back(request)
    try:
        _report(request, run(numbers), done)
    except DomainError as error:
        messages.error(request, error.message)
    counts_changed()
    return _back(request)


@require_POST
@privilege_required(Privilege.NUMBERS)
def number_allocate(request):
    destination = request.POST.get("destination", "")
    if not destination:
        messages.error(request, _("Choose the organization to allocate the numbers to."))
        return _back(request)
    organization = organization_from_choice(request.user, destination)

    def done(n):
        if organization is None:
            text = ngettext(
                "Allocated %(n)s number to the operator pool.",
                "Allocated %(n)s numbers to the operator pool.",
                n,
            )
            return text % {"n": n}
        text = ngettext(
            "Allocated %(n)s number to %(organization)s.",
            "Allocated %(n)s numbers to %(organization)s.",
            n,
        )
        return text % {"n": n, "organization": organization.name}

    return _action(
        request,
        lambda numbers: services.numbers_allocate(
            actor=request.user, numbers=numbers, organization=organization
        ),
        done,
    )


@require_POST
@privilege_required(Privilege.NUMBERS)
def number_withdraw(request):
    return _action(
        request,
        lambda numbers: services.numbers_withdraw(actor=request.user, numbers=numbers),
        lambda n: (
            ngettext(
                "Withdrew %(n)s number to the parent organization (or the operator pool).",
                "Withdrew %(n)s numbers to the parent organization (or the operator pool).",
                n,
            )
            % {"n": n}
        ),
    )


@require_POST
@privilege_required(Privilege.NUMBERS)
def number_tag(request):
    tags = split_tags(request.POST.get("tags", ""))
    return _action(
        request,
        lambda numbers: services.numbers_tag(actor=request.user, numbers=numbers, tags=tags),
        lambda n: (
            ngettext("Tagged %(n)s number %(tags)s.", "Tagged %(n)s numbers %(tags)s.", n)
            % {"n": n, "tags": " ".join(t.upper() for t in tags)}
        ),
    )


@require_POST
@privilege_required(Privilege.NUMBERS)
def number_untag(request):
    tags = split_tags(request.POST.get("tags", ""))
    return _action(
        request,
        lambda numbers: services.numbers_tag(
            actor=request.user, numbers=numbers, tags=tags, remove=True
        ),
        lambda n: (
            ngettext(
                "Removed %(tags)s from %(n)s number.", "Removed %(tags)s from %(n)s numbers.", n
            )
            % {"n": n, "tags": " ".join(t.upper() for t in tags)}
        ),
    )


@require_POST
@privilege_required(Privilege.NUMBERS)
def number_reserve(request):
    reserved_for = request.POST.get("reserved_for", "")
    return _action(
        request,
        lambda numbers: services.numbers_reserve(
            actor=request.user, numbers=numbers, reserved_for=reserved_for
        ),
        lambda n: ngettext("Reserved %(n)s number.", "Reserved %(n)s numbers.", n) % {"n": n},
    )


@require_POST
@privilege_required(Privilege.NUMBERS)
def number_unreserve(request):
    return _action(
        request,
        lambda numbers: services.numbers_unreserve(actor=request.user, numbers=numbers),
        lambda n: (
            ngettext("Made %(n)s number available again.", "Made %(n)s numbers available again.", n)
            % {"n": n}
        ),
    )
