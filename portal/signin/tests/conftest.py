from __future__ import annotations

import pytest
from django.test import Client

PASSWORD = "Correct-horse-9"  # The personas' password (portal/conftest.py).


def sign_in(client: Client, username: str, password: str = PASSWORD, ip: str = "10.1.2.3", **extra):
    """The sign-in form, from `ip`; the answer (302 when signed in)."""
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def events(action: str):
    from portal.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def dave(alice, org_a, full_role):
    """An admin alice created through the portal with a password she chose (and knows)."""
    response = Client()
    response.force_login(alice)
    answer = response.post(
        "/access/admins/new/",
        {
            "username": "dave",
            "email": "dave@bank.example",
            "password": "Given-by-alice-42",
            "role": str(full_role.pk),
            "organizations": ["org-a"],
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="dave")
