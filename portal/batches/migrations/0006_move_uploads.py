import hashlib

from django.db import migrations


def uploads_out(apps, schema_editor):
    """Step 2 of 3: each batch's stored file becomes a JobUpload; nothing is lost."""
    Batch = apps.get_model("batches", "Batch")
    JobUpload = apps.get_model("jobs", "JobUpload")
    pending = Batch.objects.filter(upload__isnull=True).order_by("pk").values_list("pk", flat=True)
    for pk in list(pending):
        filename, content = Batch.objects.filter(pk=pk).values_list("filename", "content").get()
        data = bytes(content or b"")
        upload = JobUpload.objects.create(
            filename=filename, size=len(data), content=data, sha256=hashlib.sha256(data).hexdigest()
        )
        Batch.objects.filter(pk=pk).update(upload=upload)


def uploads_back(apps, schema_editor):
    Batch = apps.get_model("batches", "Batch")
    JobUpload = apps.get_model("jobs", "JobUpload")
    for pk, upload_id in list(
        Batch.objects.filter(upload__isnull=False).values_list("pk", "upload_id")
    ):
        content = JobUpload.objects.filter(pk=upload_id).values_list("content", flat=True).get()
        Batch.objects.filter(pk=pk).update(content=bytes(content), upload=None)
        JobUpload.objects.filter(pk=upload_id).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("batches", "0005_upload"),
    ]

    operations = [
        migrations.RunPython(uploads_out, uploads_back),
    ]
