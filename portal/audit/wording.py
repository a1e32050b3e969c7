"""What an event says in words an auditor reads: one sentence per action, its details as labelled
values. The codes, ids and raw JSON stay in the database, the API and the CSV.

Value vocabularies (statuses, privileges, features, languages, channels) are read from the models'
own choices, so a label is declared once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation
from django.utils.translation import gettext

from portal.access.models import Privilege
from portal.organizations.models import Feature, Language, Organization

WHO = {"system": "The portal", "anonymous": "Someone", "end user": "The user"}
VIA = {
    "api": "API",
    "cli": "command line",
    "task": "background task",
    "batch": "batch import",
    "scim": "SCIM",
}
POOL = "the operator pool"


def who(label: str) -> str:
    if label.startswith("cli:"):
        return f"{label[4:]} (command line)"
    return WHO.get(label, label)


def _choices(app: str, model: str, field: str) -> dict[str, str]:
    return {
        str(k): str(v) for k, v in apps.get_model(app, model)._meta.get_field(field).flatchoices
    }


def _vocabularies() -> dict[str, dict[str, str]]:
    """The vocabularies in the active language (the choices' labels are translated)."""
    return _vocabularies_in(translation.get_language())


@cache
def _vocabularies_in(language: str | None) -> dict[str, dict[str, str]]:
    status = {
        **_choices("numbers", "Number", "status"),
        **_choices("accounts", "Account", "status"),
    }
    return {
        "status": status,
        "previous_status": status,
        "privileges": {str(k): str(v) for k, v in Privilege.choices},
        "features": {str(k): str(v) for k, v in Feature.choices},
        "language": {str(k): str(v) for k, v in Language.choices},
        "channel": _choices("invitations", "Invitation", "channel"),
        "kind": _choices("alerts", "AlertSent", "kind"),
        "monitor_calls": {"auto": "records calls", "off": "off"},
    }


LABELS = {
    "permission_group": "User Permissions group",
    "number": "MultiLine number",
    "row": "Row in the file",
    "invite": "Invite",
    "previous_status": "Status before",
    "released_number": "Number released",
    "number_moved": "Number moved with it",
    "first_name": "First name",
    "last_name": "Last name",
    "device_number": "Device number",
    "multiline_number": "MultiLine number",
    "reserved_for": "Reserved for",
    "dry_run": "Dry run",
    "skipped_accounts": "Skipped",
    "organizations": "Organizations",
    "active": "Active",
    "picked": "Picked by the user",
    "username": "Name typed",
    "user": "Admin",
    "time_zone": "Time zone",
    "recipients": "Sent to",
    "count": "Numbers",
    "added": "Added",
    "rows": "Rows",
    "to": "To",
    "from": "From",
    "invitation_id": "Invitation",
    "social_messaging": "Social messaging",
    "monitor_calls": "Call recording",
    "monitor_sms": "SMS recording",
    "forwarding_number": "Forwarding number",
    "restrict_incoming_social_messaging": "Restrict incoming social messaging",
    "parent": "Parent organization",
    "report_recipients": "Report recipients",
    "succeeded": "Imported",
    "existing": "Existing",
    "invited": "Invited",
    "failed": "Failed",
    "done": "Done",
    "skipped": "Skipped",
    "processed": "Rows handled",
    "total": "Total",
    "format": "Format",
    "file": "File",
    "filters": "Filters",
    "search": "Search",
    "q": "Search",
    "expires_in_days": "Valid for (days)",
    "ip": "Address",
    "locked": "Locked",
    "failures": "After failures",
    "minutes": "For (minutes)",
    "method": "Method",
    "expires_at": "Expires",
}
# Internal references an auditor cannot use (ids of invitations, moves, jobs; alert keys).
HIDDEN = {
    "invitation",
    "revoked",
    "move",
    "job",
    "key",
    "permission_group_id",
    "bulk",
    "action",
    "lockout",
}
ORGANIZATION_KEYS = {"to", "from", "parent", "organization", "organizations"}


@dataclass
class Described:
    sentence: str
    details: list[tuple[str, str]]
    via: str


class _Event:
    """An event as the sentences read it: who, the target, the data, organization names."""

    def __init__(self, event, names: dict[str, str]):
        self.event, self.names = event, names
        self.data = event.data or {}
        self.who = who(event.actor_label)
        self.target = event.target_label or "—"
        self.ip = event.ip

    def get(self, key: str, default=""):
        value = self.data.get(key)
        return default if value in (None, "", [], {}) else value

    def n(self, key: str, noun: str, plural: str | None = None) -> str:
        count = self.data.get(key) or 0
        return f"{intcomma(count)} {noun if count == 1 else plural or noun + 's'}"

    def org(self, key: str) -> str:
        slug = self.data.get(key)
        if not slug or slug == "pool":
            return POOL
        if isinstance(slug, list):
            return ", ".join(self.names.get(s, POOL if s == "pool" else s) for s in slug)
        return self.names.get(slug, slug)

    def lang(self) -> str:
        return _vocabularies()["language"].get(self.get("language"), self.get("language"))

    def channel(self) -> str:
        return _vocabularies()["channel"].get(self.get("channel"), self.get("channel")).lower()


def _skipped(e: _Event) -> str:
    skipped = e.data.get("skipped") or 0
    return f" ({intcomma(skipped)} skipped)" if skipped else ""


SENTENCES: dict[str, Callable[[_Event], str]] = {
    # Sign-in (lockouts, passwords and second factors are recorded by portal.signin).
    "signin.login": lambda e: f"{e.who} signed in",
    "signin.logout": lambda e: f"{e.who} signed out",
    "signin.failed": lambda e: (
        f"Failed sign-in for {e.get('username', 'an empty name')}"
        + (f" from {e.ip}" if e.ip else "")
    ),
    "signin.locked_out": lambda e: (
        f"Sign-in locked for {e.get('username') or 'every name'}"
        + (f" from {e.get('ip')}" if e.get("ip") else "")
        + f" after {e.n('failures', 'failed attempt')}"
    ),
    "signin.unlocked": lambda e: (
        f"The sign-in lockout of {e.get('username') or e.get('ip')}"
        + (
            " ended after its cool-off"
            if e.get("reason") == "cool-off"
            else f" was lifted by {e.who}"
        )
    ),
    "signin.password_changed": lambda e: f"{e.who} changed their password",
    "signin.password_reset": lambda e: f"{e.who} set a new password with a reset link",
    "signin.password_reset_sent": lambda e: f"A password reset link was sent to {e.target}",
    "signin.second_factor_added": lambda e: (
        f"{e.who} set up a second factor ({e.get('method', 'a method')})"
    ),
    "signin.second_factor_verified": lambda e: f"{e.who} confirmed a sign-in with a second factor",
    "signin.second_factor_failed": lambda e: (
        f"A wrong second-factor code was entered for {e.target}"
    ),
    "signin.second_factor_reset": lambda e: f"{e.who} reset the second factor of {e.target}",
    # Accounts.
    "account.create": lambda e: f"{e.who} added account {e.target}",
    "account.update": lambda e: f"{e.who} changed account {e.target}",
    "account.suspend": lambda e: f"{e.who} suspended account {e.target}",
    "account.reactivate": lambda e: f"{e.who} reactivated account {e.target}",
    "account.delete": lambda e: f"{e.who} deleted account {e.target}",
    "account.move": lambda e: (
        f"{e.who} moved account {e.target} from {e.org('from')} to {e.org('to')}"
    ),
    "account.activate": lambda e: (
        f"{e.target} activated MultiLine" + (f" with {e.get('number')}" if e.get("number") else "")
    ),
    "accounts.suspend": lambda e: f"{e.who} suspended {e.n('done', 'account')}{_skipped(e)}",
    "accounts.reactivate": lambda e: f"{e.who} reactivated {e.n('done', 'account')}{_skipped(e)}",
    "accounts.delete": lambda e: f"{e.who} deleted {e.n('done', 'account')}{_skipped(e)}",
    "accounts.edit": lambda e: f"{e.who} changed {e.n('done', 'account')}{_skipped(e)}",
    "accounts.move": lambda e: (
        f"{e.who} moved {e.n('done', 'account')} to {e.org('to')}{_skipped(e)}"
    ),
    "accounts.move_refused": lambda e: (
        f"{e.who} could not move {e.n('accounts', 'account')} to {e.org('to')}"
    ),
    "accounts.bulk_queued": lambda e: (
        f"{e.who} started a background job: {e.get('action')} {e.n('total', 'account')}"
    ),
    # Invitations.
    "invitation.queue": lambda e: (
        f"{e.who} invited {e.target}" + (f" by {e.channel()}" if e.get("channel") else "")
    ),
    "invitation.resend": lambda e: f"{e.who} sent a new invitation to {e.target}",
    "invitation.renew": lambda e: f"{e.target} asked for a new invitation (theirs had expired)",
    "invitation.failed": lambda e: f"The invitation to {e.target} could not be delivered",
    "invitation_template.create": lambda e: (
        f"{e.who} changed the {e.lang()} {e.channel()} invitation wording"
    ),
    "invitation_template.update": lambda e: (
        f"{e.who} changed the {e.lang()} {e.channel()} invitation wording"
    ),
    "invitation_template.reset": lambda e: (
        f"{e.who} restored the default {e.lang()} {e.channel()} invitation wording"
    ),
    "invitation_template.test": lambda e: (
        f"{e.who} sent a test {e.lang()} {e.channel()} invitation to {e.get('to')}"
    ),
    # Batches.
    "batch.upload": lambda e: (
        f"{e.who} uploaded {e.get('file', e.target)} ({e.n('rows', 'row')}) for "
        + ("a dry run" if e.get("dry_run") else "Import & Invite" if e.get("invite") else "Import")
    ),
    "batch.finish": lambda e: (
        f"{e.target} finished: {e.n('succeeded', 'row')} imported, {intcomma(e.get('failed', 0))}"
        f" failed"
    ),
    "batch.resume": lambda e: f"{e.who} resumed {e.target}",
    "batch.notify": lambda e: f"The summary of {e.target} was emailed",
    # Numbers.
    "numbers.add": lambda e: f"{e.who} added {e.n('added', 'number')} to {e.org('to')}",
    "numbers.allocate": lambda e: f"{e.who} allocated {e.n('count', 'number')} to {e.org('to')}",
    "numbers.withdraw": lambda e: f"{e.who} withdrew {e.n('count', 'number')} to {e.org('to')}",
    "numbers.reserve": lambda e: (
        f"{e.who} reserved {e.n('count', 'number')}"
        + (f" for {e.get('reserved_for')}" if e.get("reserved_for") else "")
    ),
    "numbers.unreserve": lambda e: (
        f"{e.who} made {e.n('count', 'reserved number')} available again"
    ),
    "numbers.tag": lambda e: (
        f"{e.who} tagged {e.n('count', 'number')} {', '.join(e.get('tags', []))}"
    ),
    "numbers.untag": lambda e: (
        f"{e.who} removed the tag {', '.join(e.get('tags', []))} from {e.n('count', 'number')}"
    ),
    # Organizations, groups, admins, roles, tokens.
    "organization.create": lambda e: f"{e.who} created the organization {e.target}",
    "organization.update": lambda e: f"{e.who} changed the settings of {e.target}",
    "permission_group.create": lambda e: f"{e.who} created the User Permissions group “{e.target}”",
    "permission_group.rename": lambda e: (
        f"{e.who} renamed the User Permissions group “{e.get('from')}” to “{e.get('to')}”"
    ),
    "permission_group.set_default": lambda e: (
        f"{e.who} made “{e.target}” the default User Permissions group"
    ),
    "admin.create": lambda e: f"{e.who} added the admin {e.target}",
    "admin.update": lambda e: f"{e.who} changed the admin {e.target}",
    "admin.password_set": lambda e: f"{e.who} chose a password from the set-password email",
    "admin.preferences": lambda e: gettext("%(who)s saved their preferences") % {"who": e.who},
    "role.create": lambda e: f"{e.who} created the role “{e.target}”",
    "role.update": lambda e: f"{e.who} changed the role “{e.target}”",
    "api_token.issue": lambda e: (
        f"{e.who} issued an API token for {e.get('user', 'an admin')}"
        + (f", valid until {e.get('expires_at')[:10]}" if e.get("expires_at") else "")
    ),
    "api_token.revoke": lambda e: f"{e.who} revoked an API token of {e.get('user', 'an admin')}",
    "scim_token.issue": lambda e: (
        f"{e.who} issued a SCIM token" + (f" “{e.get('name')}”" if e.get("name") else "")
    ),
    "scim_token.revoke": lambda e: (
        f"{e.who} revoked a SCIM token" + (f" “{e.get('name')}”" if e.get("name") else "")
    ),
    "alert.sent": lambda e: f"The portal emailed the alert “{e.get('subject', e.target)}”",
    # Exports of personal data.
    "export.accounts": lambda e: f"{e.who} exported {e.n('rows', 'account')} as CSV",
    "export.batch_report": lambda e: (
        f"{e.who} downloaded the Batch Operations Report of {e.target} ({e.n('rows', 'row')})"
    ),
    "export.audit": lambda e: f"{e.who} exported {e.n('rows', 'activity event')} as CSV",
}


def action_label(code: str) -> str:
    """An action code as a label for the filter: "account.suspend" → "Account: suspend"."""
    area, _, verb = code.partition(".")
    area = {
        "api_token": "API token",
        "signin": "Sign-in",
        "permission_group": "User Permissions group",
        "invitation_template": "Invitation wording",
        "accounts": "Accounts (bulk)",
        "scim_token": "SCIM token",
    }.get(area, area.replace("_", " ").capitalize())
    return f"{area}: {verb.replace('_', ' ')}" if verb else area


def sentence(event, names: dict[str, str] | None = None) -> str:
    e = _Event(event, names or {})
    phrase = SENTENCES.get(event.action)
    if phrase is None:
        text = f"{e.who}: {action_label(event.action).lower()}"
        return text + (f" — {event.target_label}" if event.target_label else "")
    return phrase(e)


def _value(key: str, value, vocabularies: dict, names: dict[str, str]) -> str:
    vocabulary = vocabularies.get(key, {})
    if key in ORGANIZATION_KEYS:
        vocabulary = {**names, "pool": POOL}
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):  # Skipped accounts: who and why.
            shown = [
                f"{v.get('account', '')}: {v.get('reason', '')}".strip(": ") for v in value[:5]
            ]
        else:
            shown = [vocabulary.get(str(v), str(v)) for v in value[:6]]
        more = len(value) - len(shown)
        return "; ".join(shown) + (f" … (+{intcomma(more)})" if more > 0 else "")
    if isinstance(value, int):
        return intcomma(value)
    return vocabulary.get(str(value), str(value))


def _label(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def details(event, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The event's data as (label, value) pairs; a change as "before → after"."""
    names = names or {}
    vocabularies = _vocabularies()
    pairs: list[tuple[str, str]] = []
    for key, value in (event.data or {}).items():
        if key in HIDDEN or value in (None, "", [], {}) or (key == "skipped" and value == 0):
            continue
        if key == "changes" and isinstance(value, dict):
            for field, change in value.items():
                pairs.append((_change_label(field), _change(field, change, vocabularies, names)))
            continue
        if (
            event.action == "organization.update"
            and isinstance(value, list)
            and len(value) == 2
            and key != "report_recipients"
        ):
            pairs.append((_change_label(key), _change(key, value, vocabularies, names)))
            continue
        pairs.append((_label(key), _value(key, value, vocabularies, names)[:200]))
    return pairs


def _change_label(field: str) -> str:
    if field in LABELS:
        return LABELS[field]
    try:
        return str(Organization._meta.get_field(field).verbose_name).capitalize()
    except Exception:  # Not an organization setting: an account field.
        return _label(field)


def _change(field: str, change, vocabularies: dict, names: dict[str, str]) -> str:
    if isinstance(change, list) and len(change) == 2:
        before, after = (
            _value(field, v, vocabularies, names) if v not in (None, "", []) else "—"
            for v in change
        )
        return f"{before} → {after}"[:200]
    return _value(field, change, vocabularies, names)[:200]


def organization_names(events: Iterable) -> dict[str, str]:
    """The names of the organizations the events' data mention by slug (one query for a page)."""
    slugs: set[str] = set()
    for event in events:
        for key in ORGANIZATION_KEYS:
            value = (event.data or {}).get(key)
            for slug in value if isinstance(value, list) else [value]:
                if isinstance(slug, str):
                    slugs.add(slug)
    if not slugs:
        return {}
    return dict(Organization.objects.filter(slug__in=slugs).values_list("slug", "name"))


def describe(events: list) -> list[Described]:
    names = organization_names(events)
    return [
        Described(sentence=sentence(e, names), details=details(e, names), via=VIA.get(e.via, ""))
        for e in events
    ]
