from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0003_worker_heartbeat"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobUpload",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("filename", models.CharField(max_length=255)),
                ("size", models.PositiveIntegerField(default=0)),
                ("sha256", models.CharField(blank=True, max_length=64)),
                ("content", models.BinaryField(default=b"")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
