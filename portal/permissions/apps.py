from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "portal.permissions"
    label = "permissions"
