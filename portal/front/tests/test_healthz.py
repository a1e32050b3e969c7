"""GET /healthz: 200 when the database, the queue and the mail transport answer; 503 naming the
check that failed otherwise; no sign-in, nothing personal."""

from __future__ import annotations

import json

import pytest
from django.db.utils import ConnectionHandler
from django.test import Client

from portal.conftest import free_port
from portal.front import health


def get(**extra):
    response = Client().get("/healthz", **extra)
    return response, json.loads(response.content)


@pytest.mark.django_db
def test_it_answers_ok_without_signing_in(settings, tmp_path):
    settings.EMAIL_BACKEND = "portal.lib.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    response, body = get()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "mail"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["mail"]["detail"] == "file"


@pytest.mark.django_db
def test_it_connects_to_the_smtp_server_without_sending(smtp_server):
    response, body = get()
    assert response.status_code == 200, body
    assert body["checks"]["mail"] == {**body["checks"]["mail"], "status": "ok", "detail": "smtp"}
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_smtp_down_is_503_naming_the_mail_check(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.EMAIL_USE_SSL = False
    response, body = get()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["mail"]["status"] == "fail"
    assert body["checks"]["mail"]["error"] == "ConnectionRefusedError"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_database_down_is_503_naming_the_database_check(monkeypatch, settings, tmp_path):
    settings.EMAIL_BACKEND = "portal.lib.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    closed = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "portal",
                "USER": "portal",
                "HOST": "127.0.0.1",
                "PORT": str(free_port()),
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )  # a PostgreSQL server on a port where nothing listens
    monkeypatch.setattr(health, "connections", closed)
    response, body = get()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"]["status"] == "fail"
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert "portal" not in response.content.decode().replace("portal.", "")  # no user, no DSN


@pytest.mark.django_db
def test_it_reports_no_personal_data_and_is_not_cached(settings, tmp_path):
    settings.EMAIL_BACKEND = "portal.lib.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    response, body = get()
    assert "no-store" in response["Cache-Control"]
    assert "@" not in response.content.decode()
    assert Client().post("/healthz").status_code == 405


RQ = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db
def test_the_redis_queue_is_checked_and_redis_down_is_503(settings, tmp_path):
    settings.EMAIL_BACKEND = "portal.lib.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.TASKS = RQ
    response, body = get()
    assert response.status_code == 200, body
    assert body["checks"]["queue"]["detail"] == "redis"
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}
    response, body = get()
    assert response.status_code == 503
    assert body["checks"]["queue"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == body["checks"]["mail"]["status"] == "ok"
