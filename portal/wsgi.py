import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()


def _freeze_startup_objects() -> None:
    """Load every view module now, then move what startup made out of the garbage collector's
    sight (`gc.freeze`): they live as long as the process, and each full collection walked all
    130,000 of them, ~70–95 ms that landed on whichever request was running then (the tail of a
    page's p95: bench/RESULTS.md). With them frozen a full collection takes ~3.5 ms. In each
    gunicorn worker (or once in the master with --preload, before the fork)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf, and with it every view)
    gc.freeze()


_freeze_startup_objects()
