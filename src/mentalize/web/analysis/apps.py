"""App config for :mod:`mentalize.web.analysis` (no models: the queue's rows are django_tasks_db's,
the results are columns of ``records.Session``)."""

from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "mentalize.web.analysis"
    label = "analysis"
    verbose_name = "Analysis queue"
