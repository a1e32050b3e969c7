"""An identity provider retrying a create while the first is still running (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from portal.accounts.models import Account
from portal.scim.tests.conftest import Scim

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_creates_of_one_user_at_once_make_one_account_and_clean_409s(
    postgres_only, scim_token
):
    barrier = threading.Barrier(5)
    statuses: list[int] = []

    def create() -> None:
        try:
            barrier.wait(timeout=10)
            response = Scim(scim_token).post(
                "Users", {"schemas": [USER], "userName": "jurgen.muller@bank.example"}
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    print(f"statuses of five simultaneous creates: {sorted(statuses)}")
    assert sorted(statuses) == [201, 409, 409, 409, 409]
    assert Account.objects.filter(email="jurgen.muller@bank.example").count() == 1
