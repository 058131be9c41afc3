"""App config for :mod:`mentalize.web.questionnaire_links`."""

from django.apps import AppConfig


class QuestionnaireLinksConfig(AppConfig):
    name = "mentalize.web.questionnaire_links"
    label = "questionnaire_links"
    verbose_name = "One-time questionnaire links"
