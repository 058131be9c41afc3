"""URLs of one-time questionnaire links. The patient's address carries the token only."""

from django.urls import path

from mentalize.web.questionnaire_links import views

urlpatterns = [
    path("patients/<int:pk>/questionnaire-links/", views.links, name="questionnaire_links"),
    path(
        "questionnaire-links/<int:pk>/revoke/",
        views.revoke,
        name="questionnaire_link_revoke",
    ),
    path("questionnaire-links/handover/", views.handover, name="questionnaire_link_handover"),
    path("q/<str:token>/", views.fill, name="questionnaire_link_fill"),
]
