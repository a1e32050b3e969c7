"""Search at scale: derived search columns, filled for existing accounts, and the full-text index
of the backend (PostgreSQL GIN on to_tsvector('simple', search_text); SQLite FTS5 + triggers)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from portal.accounts.search import search_fields

    Account = apps.get_model("accounts", "Account")
    batch = []
    for account in Account.objects.order_by("pk").iterator(chunk_size=2000):
        account.search_text, account.device_reversed = search_fields(
            account.first_name, account.last_name, account.email, account.device_number
        )
        batch.append(account)
        if len(batch) >= 2000:
            Account.objects.bulk_update(batch, ["search_text", "device_reversed"])
            batch = []
    Account.objects.bulk_update(batch, ["search_text", "device_reversed"])


def create_index(apps, schema_editor):
    from portal.accounts.search import create_index

    create_index(schema_editor)


def drop_index(apps, schema_editor):
    from portal.accounts.search import drop_index

    drop_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="device_reversed",
            field=models.CharField(blank=True, default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="account",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(fields=["device_reversed"], name="account_device_reversed"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
