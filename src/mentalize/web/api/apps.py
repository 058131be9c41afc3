"""App config for :mod:`mentalize.web.api`."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mentalize.web.api"
    label = "api"
    verbose_name = "API"
