"""The foreign key's own index goes: account_org_id (organization, -id) begins with the same column, so every
query it served uses that one, and each inserted row keeps one index fewer up to date (the batch
import writes thousands). The index is dropped by its name rather than by Django's AlterField, which
on SQLite would rebuild the whole table (and drop the table's triggers with it)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_search")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="account",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="accounts",
                        to="organizations.organization",
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "accounts_account_organization_id_54f21554"',
                    reverse_sql='CREATE INDEX "accounts_account_organization_id_54f21554" ON "accounts_account" ("organization_id")',
                )
            ],
        )
    ]
