from django.db import migrations, models


class Migration(migrations.Migration):
    """Step 3 of 3: every batch has its JobUpload; the file leaves the batch's row."""

    dependencies = [
        ("batches", "0006_move_uploads"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="batch",
            name="content",
        ),
        migrations.AlterField(
            model_name="batch",
            name="upload",
            field=models.OneToOneField(
                editable=False, on_delete=models.PROTECT, related_name="batch", to="jobs.jobupload"
            ),
        ),
    ]
