from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "portal.permissions"
    label = "permissions"

    def ready(self):
        # Imported once the app registry is ready: the receivers reach the models.
        from portal.permissions import receivers

        receivers.connect()
