"""App config for :mod:`mentalize.web.audit`; connects the login/logout receivers."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mentalize.web.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from mentalize.web.audit import signals  # noqa: F401  (registers receivers)
