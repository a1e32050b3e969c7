"""Two batches racing for the same numbers and emails: each
row lands once, the loser is reported."""

import threading

from django.db import connection

from portal.accounts.models import Account
from portal.batches.models import BatchRow
from portal.batches.services import batch_create, batch_run
from portal.batches.tests import files
from portal.numbers.models import Number


def test_two_concurrent_imports_never_give_a_number_or_an_email_twice(
    postgres_only, transactional_db, alice, org_a, group_a, numbers_a
):
    rows = [files.row(email=f"u{i}@example.com", multiline_number=numbers_a[i]) for i in range(5)]
    data = files.excel_csv_utf8(rows)
    batches = [
        batch_create(
            actor=alice,
            organization=org_a,
            permission_group=group_a,
            filename=f"{n}.csv",
            data=data,
            enqueue=False,
        )
        for n in "ab"
    ]
    barrier = threading.Barrier(2)
    errors = []

    def run(batch):
        try:
            barrier.wait()
            batch_run(batch_id=batch.pk)
        except Exception as error:  # noqa: BLE001 - any error fails the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert Account.objects.count() == 5
    results = sorted(BatchRow.objects.values_list("result", flat=True))
    assert results.count("imported") == 5
    assert len(results) == 10  # The other five are failed (lost the race) or existing: each said.
    for e164 in numbers_a:
        assert Number.objects.get(e164=e164).account.email.startswith("u")
    for r in BatchRow.objects.exclude(result="imported"):
        assert r.reason
