from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "portal.signin"
    label = "signin"

    def ready(self) -> None:
        from axes.models import AccessAttempt
        from axes.signals import user_locked_out
        from django.contrib.auth import signals
        from django.db.models.signals import post_delete

        from portal.signin import lockouts, sessions  # once the app registry is ready: models

        user_locked_out.connect(lockouts.locked_out, dispatch_uid="signin.locked_out")
        post_delete.connect(
            lockouts.attempt_deleted, sender=AccessAttempt, dispatch_uid="signin.attempt_deleted"
        )
        signals.user_logged_in.connect(sessions.started, dispatch_uid="signin.session_started")
