"""/api/v1/ routes."""

from django.urls import path

from mentalize.web.api import views

urlpatterns = [
    path("patients/", views.patients, name="api_patients"),
    path("patients/<int:pk>/", views.patient, name="api_patient"),
    path("patients/<int:pk>/sessions/", views.session_upload, name="api_session_upload"),
    path("sessions/<int:pk>/analysis/", views.session_analysis, name="api_session_analysis"),
    path(
        "patients/<int:pk>/questionnaires/",
        views.questionnaire_create,
        name="api_questionnaire_create",
    ),
    path("questionnaires/<int:pk>/", views.questionnaire, name="api_questionnaire"),
]
