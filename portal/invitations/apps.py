from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "portal.invitations"
    label = "invitations"

    def ready(self):
        # Imported once the app registry is ready: the receivers reach the models.
        from portal.invitations import receivers

        receivers.connect()
