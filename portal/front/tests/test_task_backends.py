"""The scale-out path: the same invitation task runs on RQ workers over Redis."""

import pytest
from django.core.management import call_command

from portal.accounts.services import account_add


@pytest.mark.django_db(transaction=True)
def test_it_sends_an_invitation_through_an_rq_worker(rq_queue, alice, org_a, numbers_a):
    rq_queue.empty()  # What setting up the inventory queued (an alert check) is not this test's.
    account = account_add(
        actor=alice,
        organization=org_a,
        invite=True,
        data={"email": "rq@example.com", "multiline_number": numbers_a[0]},
    )
    assert rq_queue.count == 1
    call_command("worker", "--batch", verbosity=0)
    assert rq_queue.count == 0
    invitation = account.invitations.get()  # Committed by the worker, read anew here.
    assert invitation.state == "sent"
    assert invitation.attempts == 1
