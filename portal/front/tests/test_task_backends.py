"""The scale-out path: the same invitation task runs on RQ workers over Redis."""

import pytest
from django.core.management import call_command

from portal.accounts.services import account_add
from portal.conftest import need_service


@pytest.fixture
def rq_backend(settings):
    need_service("Redis", "127.0.0.1", 6379)
    import django_rq

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


@pytest.mark.django_db(transaction=True)
def test_it_sends_an_invitation_through_an_rq_worker(rq_backend, alice, org_a, numbers_a):
    rq_backend.empty()  # What setting up the inventory queued (an alert check) is not this test's.
    account = account_add(actor=alice, organization=org_a, invite=True,
                          data={"email": "rq@example.com", "multiline_number": numbers_a[0]})
    assert rq_backend.count == 1
    call_command("worker", "--batch", verbosity=0)
    assert rq_backend.count == 0
    invitation = account.invitations.get()  # Committed by the worker, read anew here.
    assert invitation.state == "sent"
    assert invitation.attempts == 1
