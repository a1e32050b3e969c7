"""`GET /healthz`: can this process serve? For load balancers and supervisors (docs/deploy.md).

No sign-in, nothing personal, cheap: one `SELECT 1` per database, a Redis PING (or a read of the
database queue's table), and the mail transport (the SMTP host answers its greeting, nothing is
sent; or the mail folder of the file backend is writable). 200 `{"status": "ok", ...}` when every
check passes, else 503 `{"status": "fail", ...}` naming the check that failed. Failures are
logged with their detail; the answer carries only the kind of error.
"""

from __future__ import annotations

import logging
import os
import smtplib
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)
TIMEOUT = 3.0  # seconds, for the network checks


def _timed(name: str, check: Callable[[], str]) -> dict:
    start = time.perf_counter()
    try:
        detail = check()
    except Exception as error:  # noqa: BLE001 - any failure is the check's answer
        logger.warning("healthz: %s check failed: %s: %s", name, type(error).__name__, error)
        return {
            "status": "fail",
            "error": type(error).__name__,
            "ms": round((time.perf_counter() - start) * 1000, 1),
        }
    result = {"status": "ok", "ms": round((time.perf_counter() - start) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def check_database(alias: str = "default") -> str:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        connection.close()  # the next request opens a fresh one
        raise
    return connection.vendor


def check_queue() -> str:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.endswith("RQBackend"):
        import redis

        client = redis.Redis.from_url(
            settings.RQ_QUEUES["default"]["URL"],
            socket_timeout=TIMEOUT,
            socket_connect_timeout=TIMEOUT,
        )
        try:
            client.ping()
        finally:
            client.close()
        return "redis"
    if backend.endswith("DatabaseBackend"):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("pk").first()  # the queue's table answers
        return "database"
    return backend.rsplit(".", 1)[-1]


def check_mail() -> str:
    backend = settings.EMAIL_BACKEND
    if backend.endswith("smtp.EmailBackend"):
        kind = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
        server = kind(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=TIMEOUT)
        try:
            code, _ = server.noop()
            if code != 250:
                raise smtplib.SMTPResponseException(code, "NOOP refused")
        finally:
            try:
                server.quit()
            except smtplib.SMTPException:
                server.close()
        return "smtp"
    folder = getattr(settings, "EMAIL_FILE_PATH", None)
    if folder and ("filebased" in backend.lower() or backend.endswith("EmlFileBackend")):
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError("mail folder not writable")
        return "file"
    return backend.rsplit(".", 2)[-2]  # console, locmem: nothing to reach


@require_safe
def healthz(request):
    checks = {
        "database": _timed("database", check_database),
        "queue": _timed("queue", check_queue),
        "mail": _timed("mail", check_mail),
    }
    ok = all(check["status"] == "ok" for check in checks.values())
    response = JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )
    response["Cache-Control"] = "no-store"
    return response
