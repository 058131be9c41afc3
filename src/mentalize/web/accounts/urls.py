"""The account's own pages: the second factor's set-up, removal and log-in step."""

from django.urls import path

from mentalize.web.accounts import views

urlpatterns = [
    path("account/security/", views.security, name="account_security"),
    path("account/security/enrol/", views.enrol, name="mfa_enrol"),
    path("account/security/remove/", views.remove, name="mfa_remove"),
    path("login/code/", views.verify, name="mfa_verify"),
]
