"""URLs of the clinic's pages. Only numeric ids appear in paths: no codes, names or text."""

from django.urls import path

from mentalize.web.exports import views as export_views
from mentalize.web.records.views import care, patients, sessions, supervision
from mentalize.web.records.views import overview as overview_views

urlpatterns = [
    path("", patients.home, name="home"),
    path("patients/", patients.caseload, name="caseload"),
    path("patients/new/", patients.patient_create, name="patient_create"),
    path("patients/<int:pk>/", patients.patient_detail, name="patient"),
    path("patients/<int:pk>/overview/", overview_views.patient_overview, name="overview"),
    path("patients/<int:pk>/alerts/review/", overview_views.alert_review, name="alert_review"),
    path("patients/<int:pk>/supervision/", supervision.comments, name="supervision_comments"),
    path("patients/<int:pk>/treatments/new/", patients.treatment_create, name="treatment_create"),
    path("patients/<int:pk>/sessions/new/", sessions.session_create, name="session_create"),
    path("patients/<int:pk>/outcomes/new/", care.outcome_add, name="outcome_create"),
    path("patients/<int:pk>/export/", export_views.patient_export, name="patient_export"),
    path(
        "patients/<int:pk>/questionnaires/<slug:instrument>/new/",
        care.questionnaire_add,
        name="questionnaire_create",
    ),
    path("questionnaires/<int:pk>/", care.questionnaire_detail, name="questionnaire"),
    path("treatments/<int:pk>/crisis-plan/", care.crisis_plan, name="crisis_plan"),
    path(
        "treatments/<int:pk>/crisis-plan/print/",
        care.crisis_plan_print,
        name="crisis_plan_print",
    ),
    path("sessions/<int:pk>/", sessions.session_detail, name="session"),
    path("sessions/<int:pk>/report/", sessions.session_report, name="session_report"),
    path(
        "sessions/<int:pk>/report/<slug:how>/",
        sessions.session_report_copy,
        name="session_report_copy",
    ),
    path("sessions/<int:pk>/notes/<slug:kind>/", sessions.note_add, name="note_create"),
    path("sessions/<int:pk>/analysis/retry/", sessions.analysis_retry, name="analysis_retry"),
]
