"""Shared fixtures: the personas of STYLE.md, inventories, an API client, a real SMTP server, tasks.

Personas:
- alice: admin of org A (and its sub-organization) with every privilege;
- bob: admin of org A without the Accounts privilege;
- charlie: admin of org B, who must see none of org A's objects;
- operator: a Django superuser, every privilege in every organization.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from email import message_from_bytes, policy

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from portal.access.models import Privilege
from portal.access.services import admin_create, role_save, token_issue
from portal.numbers.services import numbers_add
from portal.organizations.services import organization_create
from portal.permissions.models import PermissionGroup

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _english_and_the_default_zone():
    """Each test starts in English and the portal's time zone: a request in another language
    (LocaleMiddleware, the admin's preferences) leaves that language active in the thread, and
    code a test calls directly (a service, a task) would speak it."""
    from django.utils import timezone, translation

    translation.activate("en")
    timezone.deactivate()
    yield
    translation.activate("en")
    timezone.deactivate()


# ---------------------------------------------------------------- services on this machine


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip (with a message) on a machine without the service; fail in CI, where it must run."""
    if reachable(host, port):
        return
    message = f"{name} is not running at {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true requires it")
    pytest.skip(f"{message}: this test needs it")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests belong to the PostgreSQL pass:
    on SQLite they are deselected, not skipped."""
    if connection.vendor == "postgresql":
        return
    keep = [item for item in items if "postgres_only" not in getattr(item, "fixturenames", ())]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


@pytest.fixture
def postgres_only():
    """For tests that prove PostgreSQL behaviour; they run in the PostgreSQL pass of `make test`."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of make test (DATABASE_URL=postgres://...)")


# ---------------------------------------------------------------- personas and inventory


def _make_role(name, privileges):
    return role_save(actor=None, name=name, privileges=privileges)


@pytest.fixture
def operator(db, django_user_model):
    return django_user_model.objects.create_superuser(
        "operator", "operator@example.com", "Operator-pass-1"
    )


@pytest.fixture
def org_a(db):
    return organization_create(
        actor=None,
        name="Org A",
        slug="org-a",
        features=["voice_calling", "sms", "social_messaging", "call_recording", "sms_recording"],
    )


@pytest.fixture
def org_a_child(org_a):
    return organization_create(
        actor=None,
        name="Org A Branch",
        slug="org-a-branch",
        parent=org_a,
        features=["voice_calling"],
    )


@pytest.fixture
def org_b(db):
    return organization_create(
        actor=None, name="Org B", slug="org-b", features=["voice_calling", "smtp_data_offload"]
    )


@pytest.fixture
def full_role(db):
    return _make_role("Full admin", Privilege.values)


@pytest.fixture
def no_accounts_role(db):
    return _make_role(
        "Numbers only", [p for p in Privilege.values if p not in ("accounts", "accounts_bulk")]
    )


def _admin(username, role, organizations):
    return admin_create(
        actor=None,
        username=username,
        email=f"{username}@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=organizations,
    )


@pytest.fixture
def alice(org_a, full_role):
    return _admin("alice", full_role, [org_a])


@pytest.fixture
def bob(org_a, no_accounts_role):
    return _admin("bob", no_accounts_role, [org_a])


@pytest.fixture
def charlie(org_b, full_role):
    return _admin("charlie", full_role, [org_b])


@pytest.fixture
def group_a(org_a):
    return PermissionGroup.objects.get(organization=org_a, is_default=True)


@pytest.fixture
def group_b(org_b):
    return PermissionGroup.objects.get(organization=org_b, is_default=True)


def add_numbers(organization, values, *, tags=(), status="available"):
    return numbers_add(
        actor=None, organization=organization, values=values, tags=tags, status=status
    )


@pytest.fixture
def numbers_a(org_a):
    """Five available numbers of org A: +1 212 555 0100 … 0104."""
    values = [f"+1212555010{i}" for i in range(5)]
    add_numbers(org_a, values)
    return values


@pytest.fixture
def numbers_b(org_b):
    values = [f"+4930123456{i}" for i in range(5)]
    add_numbers(org_b, values)
    return values


# ---------------------------------------------------------------- clients


@pytest.fixture
def login():
    """login(user) -> a Django test client logged in as `user`."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api():
    """api(user) -> a test client whose requests carry a bearer token of `user`."""

    def make(user):
        _token, raw = token_issue(actor=user, user=user)
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


# ---------------------------------------------------------------- background tasks


@pytest.fixture
def run_tasks(monkeypatch):
    """run_tasks() runs every queued task with the database
    worker, as `multiline worker --batch` does.

    The worker closes "old" database connections between tasks; inside a test's transaction that
    would close the test's own connection, so it is skipped there (tests with transaction=True keep
    it).
    """
    from django.db import transaction
    from django_tasks_db.management.commands import db_worker

    real = db_worker.close_old_connections
    monkeypatch.setattr(
        db_worker,
        "close_old_connections",
        lambda: None if transaction.get_connection().in_atomic_block else real(),
    )

    def run():
        call_command("worker", "--batch", verbosity=0)

    return run


@pytest.fixture
def rq_queue(settings):
    """The scale-out backend: tasks go to RQ's `default`
    queue on Redis (emptied before and after)."""
    need_service("Redis", "127.0.0.1", 6379)
    import django_rq

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")

    def empty():
        queue.empty()
        for job_id in queue.scheduled_job_registry.get_job_ids():
            queue.scheduled_job_registry.remove(job_id, delete_job=True)

    empty()
    yield queue
    empty()


# ---------------------------------------------------------------- a real SMTP server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """Messages received by the local aiosmtpd server, parsed."""

    def __init__(self):
        self.messages = []
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
            self.messages.append(
                message_from_bytes(
                    envelope.original_content or envelope.content, policy=policy.default
                )
            )
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.05)
        return self.messages

    def to(self, address: str):
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django's mail goes to it. Yields the Mailbox."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    mailbox.port = port
    mailbox.controller = controller
    try:
        yield mailbox
    finally:
        controller.stop()


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium: Playwright cannot download its own browser here."""
    if not os.path.exists("/usr/bin/chromium"):
        if IN_CI:
            pytest.fail("/usr/bin/chromium is missing: make test installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def browser_login(live_server, page):
    """browser_login(username) logs `page` in through the login form and returns the page."""

    def do(username, password="Correct-horse-9"):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return do
