"""The admin site for account administration: users, roles, activation, token revocation.

Clinical models are deliberately not registered: an admin manages accounts and sees no clinical
content. Two account acts are *not* offered here, because each would turn account administration
into clinical access (security review finding 1, issue 18):

* setting another user's password (whoever sets it knows it, and can log in as that user): an
  account made here has no usable password until ``mentalize users set-password`` on the server;
* assigning a supervisor (it grants read access to a clinician's patients): only
  ``mentalize users assign-supervisor`` on the server.

Everything that is offered (create, role, activation, name details, deletion, token revocation) is
an account event in the audit chain, with the admin as actor, in the same transaction as the
change (events.py); the user concerned is told on their next log-in (notices.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_totp.models import TOTPDevice

from mentalize.web.accounts.events import AccountAction, record_event
from mentalize.web.accounts.models import ApiToken, Role, User
from mentalize.web.accounts.services import grant_role_permissions

# django-otp's device admin shows each user's secret key and QR code: not for this site. An
# administrator resets a lost device with `mentalize users reset-mfa NAME` (audited).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)

PROFILE_FIELDS = ("username", "first_name", "last_name", "email")
NO_PASSWORD_HERE = (
    "Passwords are not set in the admin site: whoever sets one could log in as that user. "
    "On the server: mentalize users set-password NAME (audited; the user is told)."
)


class AccountCreationForm(forms.ModelForm):
    """A new account without a usable password (see the module docstring)."""

    class Meta:
        model = User
        fields = ("username", "role")

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class AccountChangeForm(forms.ModelForm):
    """No password and no supervisor field: neither can be changed here."""

    class Meta:
        model = User
        fields = ("username", "role", "is_active", "first_name", "last_name", "email")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        # Only clinicians are supervised (User.clean): a role change away from clinician ends
        # the supervision rather than failing on a field this form does not show. Access only
        # narrows; the removal is chained like any other (_record_change).
        if cleaned.get("role") not in (None, Role.CLINICIAN):
            self.instance.supervisor = None
        return cleaned


def _record_change(actor: Any, before: User, after: User) -> None:
    """One chain entry per kind of change an admin made to a user. A supervisor who is given
    another role supervises no one any more: their supervisees lose the supervisor, on record."""
    if before.role != after.role:
        record_event(actor, AccountAction.ROLE_CHANGE, after, role=after.role)
    if before.supervisor_id is not None and after.supervisor_id is None:
        record_event(actor, AccountAction.SUPERVISOR_REMOVE, after)
    if before.role == Role.SUPERVISOR and after.role != Role.SUPERVISOR:
        for supervisee in User.objects.filter(supervisor=after):
            supervisee.supervisor = None
            supervisee.save(update_fields=["supervisor", "is_staff", "is_superuser"])
            record_event(actor, AccountAction.SUPERVISOR_REMOVE, supervisee)
    if before.is_active != after.is_active:
        action = AccountAction.USER_REACTIVATE if after.is_active else AccountAction.USER_DEACTIVATE
        record_event(actor, action, after)
    if any(getattr(before, f) != getattr(after, f) for f in PROFILE_FIELDS):
        record_event(actor, AccountAction.PROFILE_CHANGE, after)


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ("username", "role", "supervisor", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        (None, {"fields": ("username",)}),
        ("Role", {"fields": ("role", "supervisor", "is_active")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "role"), "description": NO_PASSWORD_HERE},
        ),
    )
    # Shown, so an admin sees who supervises whom, but set on the server only.
    readonly_fields = ("supervisor", "last_login", "date_joined")

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Refused for every user: see the module docstring."""
        raise PermissionDenied(NO_PASSWORD_HERE)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # The admin site runs this inside the change's transaction, so the entry commits with it.
        before = User.objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is None:
            record_event(request.user, AccountAction.USER_CREATE, obj, role=obj.role)
        else:
            _record_change(request.user, before, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        grant_role_permissions(form.instance)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        record_event(request.user, AccountAction.USER_DELETE, obj)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # The list's bulk action runs outside a transaction: the entries and the deletion
        # commit (or a protected user rolls them back) together.
        for user in queryset:
            record_event(request.user, AccountAction.USER_DELETE, user)
        super().delete_queryset(request, queryset)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "created_at", "last_used_at")
    readonly_fields = ("prefix", "user", "created_at", "last_used_at")

    def has_add_permission(self, request: Any) -> bool:
        return False  # tokens are made with `mentalize users token`, shown once

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        """Revoking a token is an account event of its user (chained, and the user is told)."""
        record_event(request.user, AccountAction.TOKEN_REVOKE, obj.user, token=obj.pk)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("user"):
            record_event(request.user, AccountAction.TOKEN_REVOKE, token.user, token=token.pk)
        super().delete_queryset(request, queryset)
