"""PostgreSQL only (a no-op elsewhere): the unique index of `number_id` also holds the account's id
and organization (INCLUDE), so that a number search finds its accounts from that index alone
(`accounts.search.number_matches`), without reading each account's row: three last digits are
1,000 accounts spread over the whole table (1,000 pages, most not in memory). The same index
replaced, not one more: the constraint keeps its name and still makes a number one account's."""

from django.db import migrations

CONSTRAINT = (
    "ALTER TABLE accounts_account DROP CONSTRAINT {name}, ADD CONSTRAINT {name} UNIQUE (number_id)"
)


def _constraint(apps, schema_editor) -> str:
    Account = apps.get_model("accounts", "Account")
    names = schema_editor._constraint_names(Account, ["number_id"], unique=True, index=False)
    (name,) = names
    return schema_editor.quote_name(name)


def cover(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        name = _constraint(apps, schema_editor)
        schema_editor.execute(CONSTRAINT.format(name=name) + " INCLUDE (id, organization_id)")


def uncover(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT.format(name=_constraint(apps, schema_editor)))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_organization_index_covered")]

    operations = [migrations.RunPython(cover, uncover)]
