"""PostgreSQL only (a no-op elsewhere): two indexes for the Numbers page and the number search.

- `number_org_e164` (organization_id, e164): an organization's numbers in number order, so the
  page of an organization's admin reads its 51 rows (before: the numbers' whole index walked in
  order, keeping the organization's rows, ~125,000 entries and 2,000 pages at 1,000,000 numbers).
- `number_e164_reversed` with INCLUDE (e164, organization_id, id): a search by last digits reads
  its numbers from the index alone (`lib.search.first_numbers`), ordered and scoped without the
  table. Three last digits are 1,000 numbers spread over the whole table: 1,000 pages before.

SQLite meets its targets without them: its indexes are the models' own, unchanged."""

from django.db import migrations

ORG_E164 = "CREATE INDEX IF NOT EXISTS number_org_e164 ON numbers_number (organization_id, e164)"
REVERSED = "CREATE INDEX number_e164_reversed ON numbers_number (e164_reversed)"
COVERING = REVERSED + " INCLUDE (e164, organization_id, id)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(ORG_E164)
    schema_editor.execute("DROP INDEX IF EXISTS number_e164_reversed")
    schema_editor.execute(COVERING)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS number_org_e164")
    schema_editor.execute("DROP INDEX IF EXISTS number_e164_reversed")
    schema_editor.execute(REVERSED)


class Migration(migrations.Migration):
    dependencies = [("numbers", "0003_fewer_indexes_to_update")]

    operations = [migrations.RunPython(create, drop)]
