from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "portal.alerts"
    label = "alerts"

    def ready(self):
        # Imported once the app registry is ready: the receivers reach the models.
        from portal.alerts import receivers

        receivers.connect()
