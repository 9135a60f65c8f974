from django.apps import AppConfig


class ClashConfig(AppConfig):
    name = "tests.clash"
    label = "clash"
