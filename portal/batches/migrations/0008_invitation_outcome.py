"""A batch row's invitation outcome as a code (issue 10 point 3): rows written before it get the
code their report text says ("queued", "not sent: …")."""

from django.db import migrations, models


def from_text(apps, schema_editor):
    BatchRow = apps.get_model("batches", "BatchRow")
    BatchRow.objects.filter(invitation="queued").update(invitation_outcome="queued")
    BatchRow.objects.filter(invitation__startswith="not sent").update(invitation_outcome="not_sent")


class Migration(migrations.Migration):
    dependencies = [
        ("batches", "0007_upload_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="batchrow",
            name="invitation_outcome",
            field=models.CharField(
                blank=True,
                choices=[("queued", "queued"), ("not_sent", "not sent")],
                max_length=10,
            ),
        ),
        migrations.RunPython(from_text, migrations.RunPython.noop, elidable=True),
    ]
