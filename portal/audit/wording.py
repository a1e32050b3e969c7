"""What an event says in words an auditor reads: one sentence per action, its details as labelled
values. The codes, ids and raw JSON stay in the database, the API and the CSV.

Value vocabularies (statuses, privileges, features, languages, channels) are read from the models'
own choices, so a label is declared once.

The words are in the active language (the admin's, on the activity page); the API activates
English, so its `summary` stays English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from portal.access.models import Privilege
from portal.organizations.forms import LANGUAGES, OrganizationSettingsForm
from portal.organizations.models import Feature, Language, Organization

WHO = {
    "system": gettext_lazy("The portal"),
    "anonymous": gettext_lazy("Someone"),
    "end user": gettext_lazy("The user"),
}
VIA = {
    "api": gettext_lazy("API"),
    "cli": gettext_lazy("command line"),
    "task": gettext_lazy("background task"),
    "batch": gettext_lazy("batch import"),
    "scim": gettext_lazy("SCIM"),
}
POOL = gettext_lazy("the operator pool")


def who(label: str) -> str:
    if label.startswith("cli:"):
        return _("%(name)s (command line)") % {"name": label[4:]}
    return str(WHO.get(label, label))


def _choices(app: str, model: str, field: str) -> dict[str, str]:
    return {
        str(k): str(v) for k, v in apps.get_model(app, model)._meta.get_field(field).flatchoices
    }


def _vocabularies() -> dict[str, dict[str, str]]:
    return _vocabularies_in(get_language())


@cache
def _vocabularies_in(language: str) -> dict[str, dict[str, str]]:
    """The labels of each vocabulary in `language` (the one active when called)."""
    status = {
        **_choices("numbers", "Number", "status"),
        **_choices("accounts", "Account", "status"),
    }
    return {
        "status": status,
        "previous_status": status,
        "privileges": {str(k): str(v) for k, v in Privilege.choices},
        "features": {str(k): str(v) for k, v in Feature.choices},
        "language": {str(k): str(v) for k, v in LANGUAGES if k in Language.values},
        "channel": _choices("invitations", "Invitation", "channel"),
        "kind": _choices("alerts", "AlertSent", "kind"),
        "monitor_calls": {"auto": _("records calls"), "off": _("off")},
        # How a new admin got its password (admin.create): the codes' words.
        "password": {"service": _("service"), "password": _("password"), "email": _("email")},
    }


LABELS = {
    "permission_group": gettext_lazy("User Permissions group"),
    "number": gettext_lazy("MultiLine number"),
    "row": gettext_lazy("Row in the file"),
    "invite": gettext_lazy("Invite"),
    "previous_status": gettext_lazy("Status before"),
    "released_number": gettext_lazy("Number released"),
    "number_moved": gettext_lazy("Number moved with it"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "device_number": gettext_lazy("Device number"),
    "multiline_number": gettext_lazy("MultiLine number"),
    "reserved_for": gettext_lazy("Reserved for"),
    "dry_run": gettext_lazy("Dry run"),
    "skipped_accounts": gettext_lazy("Skipped"),
    "organizations": gettext_lazy("Organizations"),
    "active": gettext_lazy("Active"),
    "picked": gettext_lazy("Picked by the user"),
    "username": gettext_lazy("Name typed"),
    "user": gettext_lazy("Admin"),
    "time_zone": gettext_lazy("Time zone"),
    "recipients": gettext_lazy("Sent to"),
    "count": gettext_lazy("Numbers"),
    "added": gettext_lazy("Added"),
    "rows": gettext_lazy("Rows"),
    "to": gettext_lazy("To"),
    "from": gettext_lazy("From"),
    "invitation_id": gettext_lazy("Invitation"),
    "social_messaging": gettext_lazy("Social messaging"),
    "monitor_calls": gettext_lazy("Call recording"),
    "monitor_sms": gettext_lazy("SMS recording"),
    "forwarding_number": gettext_lazy("Forwarding number"),
    "restrict_incoming_social_messaging": gettext_lazy("Restrict incoming social messaging"),
    "parent": gettext_lazy("Parent organization"),
    "report_recipients": gettext_lazy("Report recipients"),
    "succeeded": gettext_lazy("Imported"),
    "existing": gettext_lazy("Existing"),
    "invited": gettext_lazy("Invited"),
    "failed": gettext_lazy("Failed"),
    "done": gettext_lazy("Done"),
    "skipped": gettext_lazy("Skipped"),
    "processed": gettext_lazy("Rows handled"),
    "total": gettext_lazy("Total"),
    "format": gettext_lazy("Format"),
    "file": gettext_lazy("File"),
    "filters": gettext_lazy("Filters"),
    "search": gettext_lazy("Search"),
    "q": gettext_lazy("Search"),
    "expires_in_days": gettext_lazy("Valid for (days)"),
    "ip": gettext_lazy("Address"),
    "locked": gettext_lazy("Locked"),
    "failures": gettext_lazy("After failures"),
    "minutes": gettext_lazy("For (minutes)"),
    "method": gettext_lazy("Method"),
    "expires_at": gettext_lazy("Expires"),
    # Details without a label of their own until now: their code, capitalized, in English.
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("Email"),
    "role": gettext_lazy("Role"),
    "privileges": gettext_lazy("Privileges"),
    "features": gettext_lazy("Features"),
    "language": gettext_lazy("Language"),
    "channel": gettext_lazy("Channel"),
    "status": gettext_lazy("Status"),
    "reason": gettext_lazy("Reason"),
    "subject": gettext_lazy("Subject"),
    "tags": gettext_lazy("Tags"),
    "password": gettext_lazy("Password"),
    "template": gettext_lazy("Template"),
    "kind": gettext_lazy("Kind"),
    "default": gettext_lazy("Default"),
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

# "3 accounts": each counted noun, singular and plural, in the active language.
NOUNS: dict[str, Callable[[int], str]] = {
    "failed attempt": lambda n: ngettext(
        "%(count)s failed attempt", "%(count)s failed attempts", n
    ),
    "account": lambda n: ngettext("%(count)s account", "%(count)s accounts", n),
    "row": lambda n: ngettext("%(count)s row", "%(count)s rows", n),
    "number": lambda n: ngettext("%(count)s number", "%(count)s numbers", n),
    "reserved number": lambda n: ngettext(
        "%(count)s reserved number", "%(count)s reserved numbers", n
    ),
    "activity event": lambda n: ngettext(
        "%(count)s activity event", "%(count)s activity events", n
    ),
}


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

    def n(self, key: str, noun: str) -> str:
        count = self.data.get(key) or 0
        return NOUNS[noun](count) % {"count": intcomma(count)}

    def org(self, key: str) -> str:
        slug = self.data.get(key)
        if not slug or slug == "pool":
            return str(POOL)
        if isinstance(slug, list):
            return ", ".join(self.names.get(s, str(POOL) if s == "pool" else s) for s in slug)
        return self.names.get(slug, slug)

    def lang(self) -> str:
        return _vocabularies()["language"].get(self.get("language"), self.get("language"))

    def channel(self) -> str:
        return _vocabularies()["channel"].get(self.get("channel"), self.get("channel")).lower()

    def say(self, text: str, **values) -> str:
        """`text` (translated already) with the event's who and target, and `values`."""
        return text % {"who": self.who, "target": self.target, **values}


def _skipped(e: _Event) -> str:
    skipped = e.data.get("skipped") or 0
    return _(" (%(count)s skipped)") % {"count": intcomma(skipped)} if skipped else ""


def _failed(e: _Event) -> str:
    if e.ip:
        return e.say(
            _("Failed sign-in for %(name)s from %(ip)s"),
            name=e.get("username", _("an empty name")),
            ip=e.ip,
        )
    return e.say(_("Failed sign-in for %(name)s"), name=e.get("username", _("an empty name")))


def _locked(e: _Event) -> str:
    name = e.get("username") or _("every name")
    failures = e.n("failures", "failed attempt")
    if e.get("ip"):
        return e.say(
            _("Sign-in locked for %(name)s from %(ip)s after %(failures)s"),
            name=name,
            ip=e.get("ip"),
            failures=failures,
        )
    return e.say(_("Sign-in locked for %(name)s after %(failures)s"), name=name, failures=failures)


def _unlocked(e: _Event) -> str:
    name = e.get("username") or e.get("ip")
    if e.get("reason") == "cool-off":
        return e.say(_("The sign-in lockout of %(name)s ended after its cool-off"), name=name)
    return e.say(_("The sign-in lockout of %(name)s was lifted by %(who)s"), name=name)


def _upload(e: _Event) -> str:
    values = {"file": e.get("file", e.target), "rows": e.n("rows", "row")}
    if e.get("dry_run"):
        return e.say(_("%(who)s uploaded %(file)s (%(rows)s) for a dry run"), **values)
    if e.get("invite"):
        return e.say(_("%(who)s uploaded %(file)s (%(rows)s) for Import & Invite"), **values)
    return e.say(_("%(who)s uploaded %(file)s (%(rows)s) for Import"), **values)


def _token_issue(e: _Event) -> str:
    user = e.get("user", _("an admin"))
    if e.get("expires_at"):
        return e.say(
            _("%(who)s issued an API token for %(user)s, valid until %(date)s"),
            user=user,
            date=e.get("expires_at")[:10],
        )
    return e.say(_("%(who)s issued an API token for %(user)s"), user=user)


def _named(e: _Event, with_name: str, without: str) -> str:
    return e.say(with_name, name=e.get("name")) if e.get("name") else e.say(without)


SENTENCES: dict[str, Callable[[_Event], str]] = {
    # Sign-in (lockouts, passwords and second factors are recorded by portal.signin).
    "signin.login": lambda e: e.say(_("%(who)s signed in")),
    "signin.logout": lambda e: e.say(_("%(who)s signed out")),
    "signin.failed": _failed,
    "signin.locked_out": _locked,
    "signin.unlocked": _unlocked,
    "signin.password_changed": lambda e: e.say(_("%(who)s changed their password")),
    "signin.password_reset": lambda e: e.say(_("%(who)s set a new password with a reset link")),
    "signin.password_reset_sent": lambda e: e.say(
        _("A password reset link was sent to %(target)s")
    ),
    "signin.second_factor_added": lambda e: e.say(
        _("%(who)s set up a second factor (%(method)s)"), method=e.get("method", _("a method"))
    ),
    "signin.second_factor_verified": lambda e: e.say(
        _("%(who)s confirmed a sign-in with a second factor")
    ),
    "signin.second_factor_failed": lambda e: e.say(
        _("A wrong second-factor code was entered for %(target)s")
    ),
    "signin.second_factor_reset": lambda e: e.say(
        _("%(who)s reset the second factor of %(target)s")
    ),
    # Accounts.
    "account.create": lambda e: e.say(_("%(who)s added account %(target)s")),
    "account.update": lambda e: e.say(_("%(who)s changed account %(target)s")),
    "account.suspend": lambda e: e.say(_("%(who)s suspended account %(target)s")),
    "account.reactivate": lambda e: e.say(_("%(who)s reactivated account %(target)s")),
    "account.delete": lambda e: e.say(_("%(who)s deleted account %(target)s")),
    "account.move": lambda e: e.say(
        _("%(who)s moved account %(target)s from %(source)s to %(destination)s"),
        source=e.org("from"),
        destination=e.org("to"),
    ),
    "account.activate": lambda e: (
        e.say(_("%(target)s activated MultiLine with %(number)s"), number=e.get("number"))
        if e.get("number")
        else e.say(_("%(target)s activated MultiLine"))
    ),
    "accounts.suspend": lambda e: (
        e.say(_("%(who)s suspended %(accounts)s"), accounts=e.n("done", "account")) + _skipped(e)
    ),
    "accounts.reactivate": lambda e: (
        e.say(_("%(who)s reactivated %(accounts)s"), accounts=e.n("done", "account")) + _skipped(e)
    ),
    "accounts.delete": lambda e: (
        e.say(_("%(who)s deleted %(accounts)s"), accounts=e.n("done", "account")) + _skipped(e)
    ),
    "accounts.edit": lambda e: (
        e.say(_("%(who)s changed %(accounts)s"), accounts=e.n("done", "account")) + _skipped(e)
    ),
    "accounts.move": lambda e: (
        e.say(
            _("%(who)s moved %(accounts)s to %(destination)s"),
            accounts=e.n("done", "account"),
            destination=e.org("to"),
        )
        + _skipped(e)
    ),
    "accounts.move_refused": lambda e: e.say(
        _("%(who)s could not move %(accounts)s to %(destination)s"),
        accounts=e.n("accounts", "account"),
        destination=e.org("to"),
    ),
    "accounts.bulk_queued": lambda e: e.say(
        _("%(who)s started a background job: %(action)s %(accounts)s"),
        action=action_label(f"accounts.{e.get('action')}").split(": ", 1)[-1]
        if e.get("action")
        else "",
        accounts=e.n("total", "account"),
    ),
    # Invitations.
    "invitation.queue": lambda e: (
        e.say(_("%(who)s invited %(target)s by %(channel)s"), channel=e.channel())
        if e.get("channel")
        else e.say(_("%(who)s invited %(target)s"))
    ),
    "invitation.resend": lambda e: e.say(_("%(who)s sent a new invitation to %(target)s")),
    "invitation.renew": lambda e: e.say(
        _("%(target)s asked for a new invitation (theirs had expired)")
    ),
    "invitation.failed": lambda e: e.say(_("The invitation to %(target)s could not be delivered")),
    "invitation_template.create": lambda e: e.say(
        _("%(who)s changed the %(language)s %(channel)s invitation wording"),
        language=e.lang(),
        channel=e.channel(),
    ),
    "invitation_template.update": lambda e: e.say(
        _("%(who)s changed the %(language)s %(channel)s invitation wording"),
        language=e.lang(),
        channel=e.channel(),
    ),
    "invitation_template.reset": lambda e: e.say(
        _("%(who)s restored the default %(language)s %(channel)s invitation wording"),
        language=e.lang(),
        channel=e.channel(),
    ),
    "invitation_template.test": lambda e: e.say(
        _("%(who)s sent a test %(language)s %(channel)s invitation to %(to)s"),
        language=e.lang(),
        channel=e.channel(),
        to=e.get("to"),
    ),
    # Batches.
    "batch.upload": _upload,
    "batch.finish": lambda e: e.say(
        _("%(target)s finished: %(rows)s imported, %(failed)s failed"),
        rows=e.n("succeeded", "row"),
        failed=intcomma(e.get("failed", 0)),
    ),
    "batch.resume": lambda e: e.say(_("%(who)s resumed %(target)s")),
    "batch.notify": lambda e: e.say(_("The summary of %(target)s was emailed")),
    # Numbers.
    "numbers.add": lambda e: e.say(
        _("%(who)s added %(numbers)s to %(destination)s"),
        numbers=e.n("added", "number"),
        destination=e.org("to"),
    ),
    "numbers.allocate": lambda e: e.say(
        _("%(who)s allocated %(numbers)s to %(destination)s"),
        numbers=e.n("count", "number"),
        destination=e.org("to"),
    ),
    "numbers.withdraw": lambda e: e.say(
        _("%(who)s withdrew %(numbers)s to %(destination)s"),
        numbers=e.n("count", "number"),
        destination=e.org("to"),
    ),
    "numbers.reserve": lambda e: (
        e.say(
            _("%(who)s reserved %(numbers)s for %(reserved_for)s"),
            numbers=e.n("count", "number"),
            reserved_for=e.get("reserved_for"),
        )
        if e.get("reserved_for")
        else e.say(_("%(who)s reserved %(numbers)s"), numbers=e.n("count", "number"))
    ),
    "numbers.unreserve": lambda e: e.say(
        _("%(who)s made %(numbers)s available again"), numbers=e.n("count", "reserved number")
    ),
    "numbers.tag": lambda e: e.say(
        _("%(who)s tagged %(numbers)s %(tags)s"),
        numbers=e.n("count", "number"),
        tags=", ".join(e.get("tags", [])),
    ),
    "numbers.untag": lambda e: e.say(
        _("%(who)s removed the tag %(tags)s from %(numbers)s"),
        tags=", ".join(e.get("tags", [])),
        numbers=e.n("count", "number"),
    ),
    # Organizations, groups, admins, roles, tokens.
    "organization.create": lambda e: e.say(_("%(who)s created the organization %(target)s")),
    "organization.update": lambda e: e.say(_("%(who)s changed the settings of %(target)s")),
    "permission_group.create": lambda e: e.say(
        _("%(who)s created the User Permissions group “%(target)s”")
    ),
    "permission_group.rename": lambda e: e.say(
        _("%(who)s renamed the User Permissions group “%(old)s” to “%(new)s”"),
        old=e.get("from"),
        new=e.get("to"),
    ),
    "permission_group.set_default": lambda e: e.say(
        _("%(who)s made “%(target)s” the default User Permissions group")
    ),
    "admin.create": lambda e: e.say(_("%(who)s added the admin %(target)s")),
    "admin.update": lambda e: e.say(_("%(who)s changed the admin %(target)s")),
    "admin.preferences": lambda e: e.say(_("%(who)s saved their preferences")),
    "admin.password_set": lambda e: e.say(
        _("%(who)s chose a password from the set-password email")
    ),
    "role.create": lambda e: e.say(_("%(who)s created the role “%(target)s”")),
    "role.update": lambda e: e.say(_("%(who)s changed the role “%(target)s”")),
    "api_token.issue": _token_issue,
    "api_token.revoke": lambda e: e.say(
        _("%(who)s revoked an API token of %(user)s"), user=e.get("user", _("an admin"))
    ),
    "scim_token.issue": lambda e: _named(
        e, _("%(who)s issued a SCIM token “%(name)s”"), _("%(who)s issued a SCIM token")
    ),
    "scim_token.revoke": lambda e: _named(
        e, _("%(who)s revoked a SCIM token “%(name)s”"), _("%(who)s revoked a SCIM token")
    ),
    "alert.sent": lambda e: e.say(
        _("The portal emailed the alert “%(subject)s”"), subject=e.get("subject", e.target)
    ),
    # Exports of personal data.
    "export.accounts": lambda e: e.say(
        _("%(who)s exported %(accounts)s as CSV"), accounts=e.n("rows", "account")
    ),
    "export.batch_report": lambda e: e.say(
        _("%(who)s downloaded the Batch Operations Report of %(target)s (%(rows)s)"),
        rows=e.n("rows", "row"),
    ),
    "export.audit": lambda e: e.say(
        _("%(who)s exported %(events)s as CSV"), events=e.n("rows", "activity event")
    ),
}

# The action filter's words: "account.suspend" → "Account: suspend".
AREAS = {
    "api_token": gettext_lazy("API token"),
    "signin": gettext_lazy("Sign-in"),
    "permission_group": gettext_lazy("User Permissions group"),
    "invitation_template": gettext_lazy("Invitation wording"),
    "accounts": gettext_lazy("Accounts (bulk)"),
    "scim_token": gettext_lazy("SCIM token"),
    "account": gettext_lazy("Account"),
    "admin": gettext_lazy("Admin"),
    "alert": gettext_lazy("Alert"),
    "batch": gettext_lazy("Batch"),
    "export": gettext_lazy("Export"),
    "invitation": gettext_lazy("Invitation"),
    "numbers": gettext_lazy("Numbers"),
    "organization": gettext_lazy("Organization"),
    "role": gettext_lazy("Role"),
}
VERBS = {
    "login": gettext_lazy("login"),
    "logout": gettext_lazy("logout"),
    "failed": gettext_lazy("failed"),
    "locked_out": gettext_lazy("locked out"),
    "unlocked": gettext_lazy("unlocked"),
    "password_changed": gettext_lazy("password changed"),
    "password_reset": gettext_lazy("password reset"),
    "password_reset_sent": gettext_lazy("password reset sent"),
    "second_factor_added": gettext_lazy("second factor added"),
    "second_factor_verified": gettext_lazy("second factor verified"),
    "second_factor_failed": gettext_lazy("second factor failed"),
    "second_factor_reset": gettext_lazy("second factor reset"),
    "create": gettext_lazy("create"),
    "update": gettext_lazy("update"),
    "suspend": gettext_lazy("suspend"),
    "reactivate": gettext_lazy("reactivate"),
    "delete": gettext_lazy("delete"),
    "move": gettext_lazy("move"),
    "activate": gettext_lazy("activate"),
    "edit": gettext_lazy("edit"),
    "move_refused": gettext_lazy("move refused"),
    "bulk_queued": gettext_lazy("bulk queued"),
    "queue": gettext_lazy("queue"),
    "resend": gettext_lazy("resend"),
    "renew": gettext_lazy("renew"),
    "reset": gettext_lazy("reset"),
    "test": gettext_lazy("test"),
    "upload": gettext_lazy("upload"),
    "finish": gettext_lazy("finish"),
    "resume": gettext_lazy("resume"),
    "notify": gettext_lazy("notify"),
    "add": gettext_lazy("add"),
    "allocate": gettext_lazy("allocate"),
    "withdraw": gettext_lazy("withdraw"),
    "reserve": gettext_lazy("reserve"),
    "unreserve": gettext_lazy("unreserve"),
    "tag": gettext_lazy("tag"),
    "untag": gettext_lazy("untag"),
    "rename": gettext_lazy("rename"),
    "set_default": gettext_lazy("set default"),
    "password_set": gettext_lazy("password set"),
    "issue": gettext_lazy("issue"),
    "revoke": gettext_lazy("revoke"),
    "sent": gettext_lazy("sent"),
    "accounts": gettext_lazy("accounts"),
    "batch_report": gettext_lazy("batch report"),
    "audit": gettext_lazy("audit"),
}


def action_label(code: str) -> str:
    """An action code as a label for the filter: "account.suspend" → "Account: suspend"."""
    area, _sep, verb = code.partition(".")
    area = str(AREAS.get(area) or area.replace("_", " ").capitalize())
    if not verb:
        return area
    verb = str(VERBS.get(verb) or verb.replace("_", " "))
    return _("%(area)s: %(verb)s") % {"area": area, "verb": verb}


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
        vocabulary = {**names, "pool": str(POOL)}
    if isinstance(value, bool):
        return _("yes") if value else _("no")
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
    return str(LABELS.get(key) or key.replace("_", " ").capitalize())


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
        return str(LABELS[field])
    setting = OrganizationSettingsForm.base_fields.get(field)
    if setting is not None and setting.label:  # An organization setting, as its form says it.
        return str(setting.label)
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
        Described(
            sentence=sentence(e, names), details=details(e, names), via=str(VIA.get(e.via, ""))
        )
        for e in events
    ]
