"""/api/v1/ routes."""

from django.urls import path

from mentalize.web.api import openapi, overview, reviews, views
from mentalize.web.exports import views as export_views

urlpatterns = [
    path("openapi.json", openapi.schema, name="api_openapi"),
    path("patients/", views.patients, name="api_patients"),
    path("patients/<int:pk>/", views.patient, name="api_patient"),
    path("patients/<int:pk>/overview/", overview.patient_overview, name="api_overview"),
    path("patients/<int:pk>/alert-reviews/", reviews.alert_reviews, name="api_alert_reviews"),
    path(
        "patients/<int:pk>/supervision-comments/",
        reviews.supervision_comments,
        name="api_supervision_comments",
    ),
    path("patients/<int:pk>/sessions/", views.session_upload, name="api_session_upload"),
    path("sessions/<int:pk>/", views.session, name="api_session"),
    path("sessions/<int:pk>/analysis/", views.session_analysis, name="api_session_analysis"),
    path(
        "patients/<int:pk>/questionnaires/",
        views.questionnaire_create,
        name="api_questionnaire_create",
    ),
    path("questionnaires/<int:pk>/", views.questionnaire, name="api_questionnaire"),
    path("patients/<int:pk>/export/", export_views.api_patient_export, name="api_patient_export"),
]
