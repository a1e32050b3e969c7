from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from portal.audit import signins  # once the app registry is ready: it reaches the models

        signals.user_logged_in.connect(signins.signed_in, dispatch_uid="audit.signin.login")
        signals.user_logged_out.connect(signins.signed_out, dispatch_uid="audit.signin.logout")
        signals.user_login_failed.connect(
            signins.sign_in_failed, dispatch_uid="audit.signin.failed"
        )
