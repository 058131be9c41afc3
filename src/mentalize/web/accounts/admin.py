"""The admin site for account administration: users, roles, supervision, token revocation.

Clinical models are deliberately not registered: an admin manages accounts and sees no clinical
content.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from mentalize.web.accounts.models import ApiToken, User
from mentalize.web.accounts.services import grant_role_permissions

# django-otp's device admin shows each user's secret key and QR code: not for this site. An
# administrator resets a lost device with `mentalize users reset-mfa NAME` (audited).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    list_display = ("username", "role", "supervisor", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Role", {"fields": ("role", "supervisor", "is_active")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        grant_role_permissions(form.instance)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "created_at", "last_used_at")
    readonly_fields = ("prefix", "user", "created_at", "last_used_at")

    def has_add_permission(self, request: Any) -> bool:
        return False  # tokens are made with `mentalize users token`, shown once

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
