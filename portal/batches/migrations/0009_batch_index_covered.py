"""The foreign key's own index goes: batch_row_unique (batch, row) begins with the same column, so every
query it served uses that one, and each inserted row keeps one index fewer up to date (the batch
import writes thousands). The index is dropped by its name rather than by Django's AlterField, which
on SQLite would rebuild the whole table (and drop the table's triggers with it)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("batches", "0008_invitation_outcome")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="batchrow",
                    name="batch",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rows",
                        to="batches.batch",
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "batches_batchrow_batch_id_b9015355"',
                    reverse_sql='CREATE INDEX "batches_batchrow_batch_id_b9015355" ON "batches_batchrow" ("batch_id")',
                )
            ],
        )
    ]
