"""Two indexes of the invitations table that every queued invitation (thousands per batch) kept
up to date for nothing:
- PostgreSQL's `varchar_pattern_ops` copy of token_hash, which Django adds beside a unique
  CharField for `LIKE 'prefix%'`: a token's hash is only ever looked up whole. The uniqueness
  stays, as a named constraint: on PostgreSQL the very constraint the column had.
- the foreign key replaced_by's own index over every row, NULL for all but the replaced
  invitations: now a partial index of those, which still serves the lookups of `SET_NULL`.
Dropped by name rather than by Django's AlterField, which on SQLite would rebuild the table."""

import django.db.models.deletion
from django.db import migrations, models

REPLACED_BY_INDEX = "invitations_invitation_replaced_by_id_e68e1303"
LIKE_INDEX = "invitations_invitation_token_hash_d06c1965_like"


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE_INDEX}"')


def create_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{LIKE_INDEX}" ON "invitations_invitation" '
            '("token_hash" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("invitations", "0005_invitation_offered_numbers")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="invitation",
                    name="replaced_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="invitations.invitation",
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{REPLACED_BY_INDEX}"',
                    reverse_sql=(
                        f'CREATE INDEX "{REPLACED_BY_INDEX}" ON "invitations_invitation" '
                        '("replaced_by_id")'
                    ),
                )
            ],
        ),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(
                condition=models.Q(replaced_by__isnull=False),
                fields=["replaced_by"],
                name="invitation_replaced_by",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="invitation",
                    name="token_hash",
                    field=models.CharField(blank=True, max_length=64, null=True),
                ),
                migrations.AddConstraint(
                    model_name="invitation",
                    constraint=models.UniqueConstraint(
                        fields=["token_hash"], name="invitations_invitation_token_hash_key"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_like_index, create_like_index)],
        ),
    ]
