"""App config for :mod:`mentalize.web.records`."""

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "mentalize.web.records"
    label = "records"
    verbose_name = "Clinical records"
