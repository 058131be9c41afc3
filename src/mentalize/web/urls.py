"""Root URLs: login/logout (Django's views), the records pages, the API and the account admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.views import serve as static_serve
from django.urls import include, path, re_path
from django.views.decorators.http import require_safe

admin.site.site_header = "mentalize clinic · accounts"
admin.site.site_title = "mentalize clinic"
# A database failure outside any view (a session saved after the view ran) gets the 503 too.
handler400 = "mentalize.web.middleware.bad_request"
handler500 = "mentalize.web.middleware.server_error"
# Unknown paths under /api/ answer JSON like the rest of the API; other paths get 404.html.
handler404 = "mentalize.web.api.auth.not_found"

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
    path("", include("mentalize.web.accounts.urls")),
    path("api/v1/", include("mentalize.web.api.urls")),
    path("", include("mentalize.web.records.urls")),
    path("", include("mentalize.web.questionnaire_links.urls")),
    # The admin site's own CSS/JS, served by the app itself so the clinic needs no web server
    # set-up to run offline (a reverse proxy may serve /static/ instead).
    re_path(r"^static/(?P<path>.*)$", require_safe(static_serve), {"insecure": True}),
]
