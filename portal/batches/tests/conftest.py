import pytest


@pytest.fixture
def upload(tmp_path, alice, group_a):
    """upload(data, filename, ...) writes the file, uploads
    it as alice into org A and runs the batch."""
    from portal.batches.services import batch_create, batch_run

    def do(
        data: bytes,
        filename: str = "accounts.csv",
        *,
        organization=None,
        group=None,
        actor=None,
        invite=False,
        dry_run=False,
    ):
        path = tmp_path / filename
        path.write_bytes(data)
        org = organization or group_a.organization
        batch = batch_create(
            actor=actor or alice,
            organization=org,
            permission_group=group or (group_a if org == group_a.organization else None),
            filename=path.name,
            data=path.read_bytes(),
            invite=invite,
            dry_run=dry_run,
            enqueue=False,
        )
        return batch_run(batch_id=batch.pk)

    return do


def results(batch) -> dict:
    return {r.row: r for r in batch.rows.order_by("row")}
