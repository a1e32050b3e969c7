"""A bounded schemathesis run over the API's own OpenAPI document, through WSGI, as the operator.

Every operation gets a few generated requests (valid and invalid: schemathesis mixes both), half
of them aimed at real objects (organizations, accounts, numbers, groups of the test's data) so that
the services are reached, not only the 404s. Each answer must be: no 500, a documented status code,
the documented content type and headers, and a body matching the documented schema (the error
shape {"error", "fields"} included). Nothing may reach the database unchecked (the 400 backstop of
portal.lib.badinput logs when it does).

The longer run, with its figures: bench/fuzz_api.py.
"""

from __future__ import annotations

import collections
import logging
import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks as st_checks

from portal.wsgi import application

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_headers_conformance,
    st_checks.response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# The test's objects, filled by the `fuzz_world` fixture; the hooks below draw from them.
WORLD: dict[str, list] = {}
STATUSES: collections.Counter = collections.Counter()  # of the current operation's answers


def _real(name: str):
    return st.sampled_from(WORLD[name]) if WORLD.get(name) else st.nothing()


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half of the cases name real objects: an organization, an account, a language..."""
    real = {key: _real(key) for key in path_parameters or () if WORLD.get(key)}
    if not real:
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters),
        st.fixed_dictionaries(real).map(lambda drawn: {**path_parameters, **drawn}),
    )


@schema.hook
def flatmap_body(context, body):
    """Half of the JSON bodies get real values where they have these keys (the rest is random)."""
    if not isinstance(body, dict):
        return st.just(body)
    keys = {
        "organization": "slug",
        "ids": "account_ids",
        "numbers": "numbers",
        "permission_group": "group_names",
    }
    real = {
        key: (
            st.lists(_real(source), min_size=1, max_size=3)
            if key in ("ids", "numbers")
            else _real(source)
        )
        for key, source in keys.items()
        if key in body and WORLD.get(source)
    }
    if not real:
        return st.just(body)
    drawn = st.fixed_dictionaries(real).map(lambda values: {**body, **values})
    return st.one_of(st.just(body), drawn)


@schema.hook
def flatmap_query(context, query):
    if not isinstance(query, dict) or "organization" not in query or not WORLD.get("slug"):
        return st.just(query)
    drawn = _real("slug").map(lambda slug: {**query, "organization": slug})
    return st.one_of(st.just(query), drawn)


@schema.hook
def after_call(context, case, response):
    STATUSES[response.status_code] += 1


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """One operator per operation: Argon2 would cost more than the requests themselves."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def keep_test_connection():
    """As Django's test client does: a request must not close the test's database connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(operator, org_a, org_a_child, org_b, numbers_a, group_a):
    from portal.access.services import token_issue
    from portal.accounts.services import account_add
    from portal.batches.models import Batch
    from portal.jobs.models import BulkJob

    accounts = [
        account_add(
            actor=operator,
            organization=org_a,
            data={"email": f"fuzz{i}@example.com", "first_name": "Ada"},
            invite=i == 0,
        )
        for i in range(2)
    ]
    WORLD.update(
        {
            "slug": [org_a.slug, org_a_child.slug, org_b.slug],
            "account_id": [a.pk for a in accounts],
            "account_ids": [a.pk for a in accounts],
            "numbers": list(numbers_a),
            "group_names": [group_a.name],
            "group_id": [group_a.pk],
            "language": ["en", "it"],
            "channel": ["email", "sms"],
            "batch_id": list(Batch.objects.values_list("pk", flat=True)),
            "job_id": list(BulkJob.objects.values_list("pk", flat=True)),
        }
    )
    _token, raw = token_issue(actor=operator, user=operator)
    yield {"Authorization": f"Bearer {raw}"}
    WORLD.clear()


class Unchecked(logging.Handler):
    """Collects the backstop's log records: input that reached the database unchecked."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def unchecked():
    handler = Unchecked()
    logger = logging.getLogger("portal.lib.badinput")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_it_answers_every_generated_request_as_documented(case, fuzz_world, unchecked):
    case.call_and_validate(headers=fuzz_world, checks=CHECKS)
    assert not unchecked, f"input reached the database unchecked: {unchecked[0].getMessage()}"


@pytest.fixture(autouse=True)
def figures(request):
    """Prints, per operation, how many requests were made and what they were answered."""
    STATUSES.clear()
    started = time.monotonic()
    yield
    label = request.node.callspec.id if hasattr(request.node, "callspec") else request.node.name
    print(
        f"\n{label}: {sum(STATUSES.values())} requests in {time.monotonic() - started:.1f} s, "
        f"statuses {dict(sorted(STATUSES.items()))}"
    )
