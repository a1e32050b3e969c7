from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"

    def ready(self):
        from portal.accounts.search import ensure_index_after_migrate  # once the registry is ready

        # SQLite's migrations rebuild a table to alter it, dropping the search triggers with it.
        post_migrate.connect(
            ensure_index_after_migrate, sender=self, dispatch_uid="accounts.search.ensure_index"
        )
