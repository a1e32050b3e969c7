from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "portal.numbers"
    label = "numbers"
