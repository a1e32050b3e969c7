from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "portal.invitations"
    label = "invitations"
