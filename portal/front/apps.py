from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(using="default", **kwargs):
    """`multiline migrate` also makes the database cache's
    table (when the cache is the database)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class FrontConfig(AppConfig):
    name = "portal.front"
    label = "front"

    def ready(self):
        post_migrate.connect(
            create_cache_table, sender=self, dispatch_uid="front.create_cache_table"
        )
