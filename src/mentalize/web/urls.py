"""Root URLs: login/logout (Django's views), the records pages, the API and the account admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.views import serve as static_serve
from django.urls import include, path, re_path

admin.site.site_header = "mentalize clinic · accounts"
admin.site.site_title = "mentalize clinic"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="clinic/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("mentalize.web.api.urls")),
    path("", include("mentalize.web.records.urls")),
    path("", include("mentalize.web.questionnaire_links.urls")),
    # The admin site's own CSS/JS, served by the app itself so the clinic needs no web server
    # set-up to run offline (a reverse proxy may serve /static/ instead).
    re_path(r"^static/(?P<path>.*)$", static_serve, {"insecure": True}),
]
