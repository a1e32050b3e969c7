"""The public activation pages and API are throttled per client address and per invitation,
and the limit answers the same whether the invitation exists or not."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from portal.accounts.services import account_add
from portal.invitations.tests.helpers import sent_invitation

LONG = 10**9  # a window that does not end during a test: counts cannot reset under it
UNKNOWN = "Zq8vkx9PLwq2mT4-not-an-invitation-4bq0VfK3"


@pytest.fixture
def invitation(alice, org_a, numbers_a, mailoutbox):
    account = account_add(
        actor=alice, organization=org_a, data={"email": "ann@example.com"}, invite=True
    )
    return sent_invitation(account)


def same_seconds(text: str) -> str:
    """Two answers a moment apart may say 1 second less: compare them without the count."""
    return re.sub(r"\d+", "N", text)


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def api_get(client, token):
    return client.get(f"/api/v1/activation/{token}")


def test_beyond_the_limit_of_an_address_the_api_answers_429_with_retry_after(invitation, settings):
    settings.ACTIVATION_RATE_PER_ADDRESS = (3, LONG)
    _invitation, token, _code = invitation
    client = from_address("203.0.113.7")
    assert [api_get(client, token).status_code for _ in range(3)] == [200, 200, 200]
    refused = api_get(client, token)
    assert refused.status_code == 429
    assert refused.json() == {
        "error": f"Too many attempts. Try again in {refused['Retry-After']} seconds.",
        "fields": {},
        "code": "throttled",
    }
    expected = 2 * LONG - time.time()  # the window ends at the next multiple of LONG
    assert abs(int(refused["Retry-After"]) - expected) < 60
    assert "no-store" in refused["Cache-Control"]
    # Any other link, known or not, from that address: refused alike, before any lookup.
    assert api_get(client, UNKNOWN).status_code == 429
    assert api_get(from_address("198.51.100.20"), token).status_code == 200  # others are not


def test_an_unknown_link_gets_the_same_answer_as_a_known_one(invitation, settings):
    settings.ACTIVATION_RATE_PER_INVITATION = (2, LONG)
    _invitation, token, _code = invitation
    answers = {}
    for name, link in (("known", token), ("unknown", UNKNOWN)):
        statuses = [api_get(from_address(f"192.0.2.{i}"), link).status_code for i in range(1, 3)]
        assert statuses == ([200, 200] if name == "known" else [410, 410])
        # The third try comes from yet another address: the invitation's own limit.
        refused = api_get(from_address("192.0.2.99"), link)
        answers[name] = (
            refused.status_code,
            same_seconds(refused.content.decode()),
            same_seconds(refused["Retry-After"]),
        )
    assert answers["known"] == answers["unknown"]
    assert answers["known"][0] == 429


def test_the_portal_page_says_to_wait_in_the_browsers_language(invitation, settings):
    settings.ACTIVATION_RATE_PER_INVITATION = (1, LONG)
    _invitation, token, _code = invitation
    assert from_address("192.0.2.1").get(f"/activate/{token}/").status_code == 200
    for link in (token, UNKNOWN):
        for _ in range(2 if link == UNKNOWN else 1):
            page = Client(REMOTE_ADDR="192.0.2.2", HTTP_ACCEPT_LANGUAGE="de").get(
                f"/activate/{link}/"
            )
        assert page.status_code == 429 and int(page["Retry-After"]) > 0
        text = page.content.decode()
        assert "Bitte warten Sie einen Moment" in text and "zu viele Versuche" in text
        assert "Org A" not in text  # nothing about the invitation


def test_a_post_activating_is_throttled_too(invitation, settings, numbers_a):
    settings.ACTIVATION_RATE_PER_INVITATION = (1, LONG)
    account = invitation[0].account
    _invitation, token, _code = invitation
    client = from_address("192.0.2.3")
    assert client.get(f"/activate/{token}/").status_code == 200
    refused = client.post(f"/activate/{token}/", {"number": numbers_a[0]})
    assert refused.status_code == 429
    account.refresh_from_db()
    assert account.status == "invited"  # nothing happened


def test_codes_are_throttled_per_address_and_per_contact(invitation, settings):
    settings.ACTIVATION_RATE_PER_INVITATION = (2, LONG)
    _invitation, _token, code = invitation
    wrong = "00000000" if code != "00000000" else "11111111"

    def try_code(address, contact, value, *, page=False):
        client = from_address(address)
        if page:
            return client.post("/activate/", {"contact": contact, "code": value})
        return client.post(
            "/api/v1/activation/by-code",
            {"contact": contact, "code": value},
            content_type="application/json",
        )

    assert try_code("192.0.2.10", "ann@example.com", wrong).status_code == 400
    assert try_code("192.0.2.11", "ANN@example.com ", wrong, page=True).status_code == 400
    # A third try for that address book entry, from anywhere, even with the right code: wait.
    refused = try_code("192.0.2.12", "ann@example.com", code)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert try_code("192.0.2.13", "ann@example.com", code, page=True).status_code == 429
    # For a contact nobody invited, the same.
    for address in ("192.0.2.14", "192.0.2.15"):
        assert try_code(address, "nobody@example.com", wrong).status_code == 400
    other = try_code("192.0.2.16", "nobody@example.com", wrong)
    assert other.status_code == 429
    assert same_seconds(other.content.decode()) == same_seconds(refused.content.decode())


def test_the_address_is_the_proxys_client_behind_proxy_count_proxies(invitation, settings):
    settings.ACTIVATION_RATE_PER_ADDRESS = (1, LONG)
    settings.PROXY_COUNT = 1
    _invitation, token, _code = invitation
    proxy = "10.0.0.5"

    def via_proxy(client_ip, spoofed=""):
        forwarded = f"{spoofed}, {client_ip}" if spoofed else client_ip
        return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded).get(
            f"/api/v1/activation/{token}"
        )

    assert via_proxy("198.51.100.1").status_code == 200
    assert via_proxy("198.51.100.2").status_code == 200  # another client behind the same proxy
    assert (
        via_proxy("198.51.100.1", spoofed="1.2.3.4").status_code == 429
    )  # prepending is no escape


@pytest.mark.redis
def test_the_count_is_shared_through_redis_when_redis_url_is_set(invitation, settings):
    """REDIS_URL switches the cache to Redis (atomic counts, shared by every process)."""
    import os
    import uuid

    from portal.conftest import need_service

    need_service("Redis", "127.0.0.1", 6379)
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    settings.ACTIVATION_RATE_PER_ADDRESS = (2, 3600)  # its keys expire within the hour
    _invitation, token, _code = invitation
    client = from_address("203.0.113.50")
    assert [api_get(client, token).status_code for _ in range(3)] == [200, 200, 429]
    from django.core.cache import caches

    assert caches["default"].__class__.__name__ == "RedisCache"
