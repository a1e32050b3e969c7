"""Two indexes of the numbers table go, because every number a batch takes rewrites each of them
(the status is indexed, so the row's new version is indexed anew):
- the foreign key's own index: number_org_status (organization, status, e164) begins with the
  same column and serves every query it served;
- PostgreSQL's `varchar_pattern_ops` copy of e164, which Django adds beside a unique CharField
  for `LIKE 'prefix%'`: no query of the portal reads e164 with LIKE (number search is by indexed
  ranges, `lib.search`). The uniqueness itself stays, as a named constraint: on PostgreSQL the
  very constraint the column had, so nothing is rebuilt.
Both are dropped by name rather than by Django's AlterField, which on SQLite would rebuild the
whole table."""

import django.db.models.deletion
from django.db import migrations, models

ORGANIZATION_INDEX = "numbers_number_organization_id_739ce094"
LIKE_INDEX = "numbers_number_e164_212cf0db_like"


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE_INDEX}"')


def create_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{LIKE_INDEX}" ON "numbers_number" ("e164" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("numbers", "0002_search"), ("organizations", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="number",
                    name="organization",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="numbers",
                        to="organizations.organization",
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{ORGANIZATION_INDEX}"',
                    reverse_sql=(
                        f'CREATE INDEX "{ORGANIZATION_INDEX}" ON "numbers_number" '
                        '("organization_id")'
                    ),
                )
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="number",
                    name="e164",
                    field=models.CharField(max_length=16, verbose_name="number"),
                ),
                migrations.AddConstraint(
                    model_name="number",
                    constraint=models.UniqueConstraint(
                        fields=["e164"], name="numbers_number_e164_key"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_like_index, create_like_index)],
        ),
    ]
