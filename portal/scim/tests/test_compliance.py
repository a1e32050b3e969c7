"""scim2-tester's compliance checks (discovery, CRUD, PATCH add/remove/replace) against the
live application, in-process through WSGI, with a token of org A."""

import random

import pytest
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

from portal.scim import schemas
from portal.wsgi import application

# The attributes an identity provider fills with values of a real person: valid email addresses
# and UK mobile numbers, the portal's languages, a forwarding number. Everything else the checks
# fill with random values.
EXAMPLES = {
    (schemas.User, "user_name"): [f"user{i}@bank.example" for i in range(100_000)],
    (schemas.User, "preferred_language"): ["en", "it", "de", "fr", "es"],
    (schemas.Email, "value"): [f"mail{i}@bank.example" for i in range(100_000)],
    (schemas.PhoneNumber, "value"): [f"+447911{i:06d}" for i in range(100_000)],
    (schemas.PhoneNumber, "type"): ["mobile", "home", "other"],
    (schemas.MultiLineUser, "forwarding_number"): ["+441632960001", "+442079460000"],
}


@pytest.fixture
def in_test_transaction():
    """The application runs in this test's transaction, as Django's test client runs it: the
    request signals must not close the test's database connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def examples():
    saved = {}
    for (model, name), values in EXAMPLES.items():
        field = model.model_fields[name]
        saved[(model, name)] = field.examples
        field.examples = values
    yield
    for (model, name), values in saved.items():
        model.model_fields[name].examples = values


def test_scim2_tester_finds_no_fault(scim_token, examples, in_test_transaction, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    random.seed(2026)  # The random values the checks send, the same on every run.
    client = WSGISCIMClient(
        application,
        base_url="http://testserver/scim/v2",
        headers={"Authorization": f"Bearer {scim_token}"},
    )
    client.discover()
    results = check_server(client, raise_exceptions=False)
    failures = [r for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    for result in results:
        print(result.status.name, result.title, result.resource_type or "", result.reason or "")
    print(f"{len(results)} checks: {len(results) - len(failures)} passed or skipped")
    assert results and not failures
