from django.db import migrations, models


class Migration(migrations.Migration):
    """Step 1 of 3: a batch's upload moves out of its row into a JobUpload (portal.jobs)."""

    dependencies = [
        ("batches", "0004_worker_heartbeat"),
        ("jobs", "0004_job_upload"),
    ]

    operations = [
        migrations.AddField(
            model_name="batch",
            name="upload",
            field=models.OneToOneField(
                editable=False,
                null=True,
                on_delete=models.PROTECT,
                related_name="batch",
                to="jobs.jobupload",
            ),
        ),
    ]
