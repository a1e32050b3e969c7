"""The foreign key's own index goes: audit_org (organization, -id) begins with the same column, so every
query it served uses that one, and each inserted row keeps one index fewer up to date (the batch
import writes thousands). The index is dropped by its name rather than by Django's AlterField, which
on SQLite would rebuild the whole table (and drop the table's triggers with it)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_ip_and_user_agent")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="organization",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="organizations.organization",
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "audit_auditevent_organization_id_4b1fe3b9"',
                    reverse_sql='CREATE INDEX "audit_auditevent_organization_id_4b1fe3b9" ON "audit_auditevent" ("organization_id")',
                )
            ],
        )
    ]
