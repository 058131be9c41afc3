"""App config for :mod:`mentalize.web.accounts`."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mentalize.web.accounts"
    label = "accounts"
    verbose_name = "Accounts"
