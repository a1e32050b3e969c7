"""What happened, told to the apps that react to it: the one way a lower app reaches a higher one.

The domain depends one way (docs/architecture.md, "The layers"): organizations ← numbers ←
accounts ← invitations ← batches ← alerts. A lower app does not import a higher one; when a
higher app must react to what a lower one did, the lower one sends one of these signals and the
higher one connects its receiver in its `AppConfig.ready()` (the receivers are in each app's
`receivers.py`).

Signals are sent inside the writer's transaction and received at once, so a receiver that writes
(a default permission group, revoked invitations) commits or rolls back with the change; one that
reaches outside (the alerts' tasks) defers itself with `transaction.on_commit`, so a rolled-back
change alerts nobody. A receiver's error is the sender's error (`send`, not `send_robust`).
"""

from __future__ import annotations

from django.dispatch import Signal

# An organization was created (keyword arguments: actor, organization).
# permissions: its default permission group, in the same transaction.
organization_created = Signal()

# Numbers came or went, or the invitations that wait for one changed (organization).
# alerts: the lasting conditions (invitation threshold, number utilisation) are checked again
# after commit.
organization_changed = Signal()

# Accounts moved between organizations (actor, move_id, sources, destination, accounts, count).
# alerts: the admins of every organization involved are alerted after commit.
accounts_moved = Signal()

# Accounts were suspended (account_ids). invitations: their live invitations are revoked.
accounts_suspended = Signal()

# A batch finished importing (batch). alerts: the summary to the designated admins, after commit.
batch_finished = Signal()

# Save & Invite (accounts.services.account_add with invite=True), inside the add's transaction and
# its capacity lock. invitations: `account_invite_check` (organization, email, has_number) refuses
# with a DomainError before the number is taken; `account_invite` (actor, account) queues the
# invitation of the saved account. Both must have their receiver: `require` says so.
account_invite_check = Signal()
account_invite = Signal()


def require(signal: Signal, sender, what: str) -> None:
    """A signal whose receiver does required work (not a notification): refuse to go on without."""
    if not signal.has_listeners(sender):
        raise RuntimeError(f"{what} needs its receiver connected (portal/lib/events.py)")
