"""However malformed the file, the answer is a clear refusal
or one verdict per row: never a crash."""

import codecs

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from portal.batches.services import ALIASES, read_upload
from portal.lib.csvfile import FileRefused

HEADERS = sorted(ALIASES) + ["nickname", "", "Note: delete this note", "E-Mail"]
CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "Yes",
            "no",
            "auto",
            "off",
            "on",
            "true",
            "+12125550100",
            "a@example.com",
            '"',
            '""',
            "=1+1",
            "\r\n",
            ";",
            ",",
            "\t",
        ]
    ),
)


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le", "replace")
    return text.encode(encoding, "replace")


csv_like = st.builds(
    lambda header, rows, delimiter, newline, encoding: _encode(
        newline.join(delimiter.join(r) for r in [header] + rows) + newline, encoding
    ),
    st.lists(st.sampled_from(HEADERS), min_size=0, max_size=8),
    st.lists(st.lists(CELLS, max_size=9), max_size=6),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\r\n", "\n", "\r"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
any_file = st.one_of(
    csv_like, st.binary(max_size=400), st.binary(max_size=60).map(lambda b: b"PK\x03\x04" + b)
)


def _verdicts(data: bytes):
    try:
        table = read_upload(data=data, filename="any.csv")
    except FileRefused as refused:
        assert refused.message and refused.fields == {"file": [refused.message]}
        return None
    records = list(table.records())
    assert len(records) == table.rows
    assert all(r.row >= 2 for r in records)
    return records


@given(any_file)
@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_file_is_read_or_refused_with_a_message(data):
    _verdicts(data)


@given(content=csv_like)
@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_any_readable_file_gets_one_result_per_row(alice, org_a, group_a, content):
    data = content
    from portal.batches.services import batch_create, batch_run
    from portal.lib.errors import DomainError

    try:
        batch = batch_create(
            actor=alice,
            organization=org_a,
            permission_group=group_a,
            filename="any.csv",
            data=data,
            dry_run=True,
            enqueue=False,
        )
    except DomainError as refused:
        assert refused.message
        return
    batch = batch_run(batch_id=batch.pk)
    assert batch.status == "completed", batch.error
    assert batch.rows.count() == batch.total == batch.succeeded + batch.failed + batch.existing
    assert all(r.reason for r in batch.rows.filter(result="failed"))
