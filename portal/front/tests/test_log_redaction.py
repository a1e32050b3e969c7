"""Activation links and codes never appear in a log: gunicorn's access log, Django's request log,
tracebacks and the error reports mailed to the admins."""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.core import mail
from django.test import Client

from portal.conftest import free_port
from portal.lib.redact import MASK, RedactSecrets, redact, scrub

TOKEN = "Zq8v-SECRET_tok3n-kx9PLwq2mT4"


def test_redact_hides_tokens_in_paths_and_queries_and_keeps_the_rest():
    assert (
        redact(f'"GET /activate/{TOKEN}/ HTTP/1.1" 410') == f'"GET /activate/{MASK}/ HTTP/1.1" 410'
    )
    assert redact(f"/api/v1/activation/{TOKEN}") == f"/api/v1/activation/{MASK}"
    assert (
        redact("https://portal.example.com/activate/?code=12345678&x=1")
        == f"https://portal.example.com/activate/?code={MASK}&x=1"
    )
    assert (
        redact("POST /api/v1/activation/by-code/activate")
        == "POST /api/v1/activation/by-code/activate"
    )
    assert redact("/activate/ and /accounts/?q=ann") == "/activate/ and /accounts/?q=ann"
    assert (
        scrub("gateway said: your code is 87654321", "87654321")
        == f"gateway said: your code is {MASK}"
    )


def _serve(tmp_path, port):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_VERSION", "DEBUG"}
    }
    env.update(VAR_DIR=str(tmp_path), PUBLIC_URL=f"http://127.0.0.1:{port}")
    subprocess.run(
        [sys.executable, "-m", "portal", "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
        timeout=180,
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portal",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-worker",
            "--workers",
            "1",
            "--threads",
            "2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _get(url, **headers):
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=10
        ) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:  # not listening yet
        return None


def test_multiline_serve_logs_no_activation_link(tmp_path):
    port = free_port()
    server = _serve(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get(f"{base}/login/") != 200:
            assert server.poll() is None and time.monotonic() < deadline, "the portal did not start"
            time.sleep(0.3)
        statuses = [
            _get(f"{base}/activate/{TOKEN}/"),
            _get(f"{base}/api/v1/activation/{TOKEN}"),
            _get(f"{base}/activate/{TOKEN}/not/a/page"),
            _get(f"{base}/static/portal/portal.css", Referer=f"{base}/activate/{TOKEN}/"),
            _get(f"{base}/activate/?code=87654321"),
        ]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert statuses == [410, 410, 404, 200, 200]
    assert TOKEN not in output and "87654321" not in output, output
    assert f'"GET /activate/{MASK}/ HTTP/1.1" 410' in output  # gunicorn's access line, redacted
    assert (
        '"GET /static/portal/portal.css HTTP/1.1" 200' in output and f'/activate/{MASK}/"' in output
    )
    assert f"Gone: /activate/{MASK}/" in output  # Django's request log (django.request), redacted
    assert f"Not Found: /activate/{MASK}/not/a/page" in output


@pytest.fixture
def console():
    """What the root logger's console handler (the one multiline serve writes to stderr) prints."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactSecrets) for f in h.filters)
    )
    stream = io.StringIO()
    # Swapped by hand: setStream() flushes the previous stream, which an earlier test's output
    # capture may have closed already.
    previous, handler.stream = handler.stream, stream
    yield stream
    handler.stream = previous


def test_a_crash_on_an_activation_page_is_logged_and_mailed_without_the_token(
    db, console, settings, monkeypatch, mailoutbox
):
    from portal.invitations import services

    settings.ADMINS = [("Ops", "ops@example.com")]

    def crash(token):
        raise RuntimeError(f"database exploded looking up {token}")

    monkeypatch.setattr(services, "invitation_for_token", crash)
    answer = Client(raise_request_exception=False).get(f"/activate/{TOKEN}/?code=12345678")
    assert answer.status_code == 500
    logged = console.getvalue()
    assert f"Internal Server Error: /activate/{MASK}/" in logged
    assert "RuntimeError: database exploded looking up" in logged  # the traceback is there…
    assert TOKEN not in logged and "12345678" not in logged  # …without the secrets
    [report] = mail.outbox
    body = report.body + "".join(str(alt[0]) for alt in report.alternatives)
    assert "database exploded" in body and f"/activate/{MASK}/" in body
    assert TOKEN not in body and "12345678" not in body and TOKEN not in report.subject
