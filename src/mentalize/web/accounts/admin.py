"""The admin site for account administration: users, roles, activation, token revocation.

Clinical models are deliberately not registered: an admin manages accounts and sees no clinical
content. Two account acts are *not* offered here, because each would turn account administration
into clinical access (security review finding 1, issue 18):

* setting another user's password (whoever sets it knows it, and can log in as that user): an
  account made here has no usable password until ``mentalize users set-password`` on the server;
* assigning a supervisor (it grants read access to a clinician's patients): only
  ``mentalize users assign-supervisor`` on the server.

Everything that is offered (create, role, activation, name details, deletion, token revocation,
an admin's own password change) is an account event in the audit chain, with the admin as actor,
in the same transaction as the change (events.py); the user concerned is told at their next
log-ins (notices.py). A deletion also chains what goes with the user: their tokens
(``token_revoke``) and their supervisees' supervisor (``supervisor_remove``, and they are told).

Deleting a user never shows clinical objects: Django's confirmation page lists related objects by
their text (a patient's code), so :meth:`ClinicUserAdmin.get_deleted_objects` reports a user who
owns or is named on clinical records by counts only, and refuses the deletion (security review,
issue 18 follow-up).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
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


#: Apps whose rows may go with a deleted user and be named on the confirmation page: the account
#: itself, its tokens, authenticator devices, permissions, sessions and Django's admin log. A row
#: of any other app (the clinical records) is never named, only counted, and stops the deletion.
ACCOUNT_APPS = frozenset(
    {"accounts", "auth", "admin", "contenttypes", "sessions", "otp_totp", "otp_static", "axes"}
)
KEEP_DEACTIVATED = (
    "records keep their clinician and author, so this account is not deleted; deactivate it "
    "instead (no more log-ins, the records stay)"
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _clinical_refusals(users: list[User]) -> list[str]:
    """One line per user who owns patients or is named on clinical records (author, creator),
    with counts only: not one object's text (a patient code) reaches the page."""
    lines = []
    for user in users:
        collector = NestedObjects(using=router.db_for_write(User))
        collector.collect([user])
        found: list[Model] = [*collector.protected]
        found += [obj for objs in collector.model_objs.values() for obj in objs]
        clinical = [obj for obj in found if obj._meta.app_label not in ACCOUNT_APPS]
        if not clinical:
            continue
        patients = sum(1 for obj in clinical if obj._meta.model_name == "patient")
        others = len(clinical) - patients
        lines.append(
            f"{user.username} owns {_plural(patients, 'patient')} and is named on "
            f"{_plural(others, 'other clinical record')}: {KEEP_DEACTIVATED}."
        )
    return lines


def _record_deletion(actor: Any, users: Iterable[User]) -> None:
    """Chain a deletion and what goes with it: each token deleted with its user is revoked, and
    each supervisee (not deleted too) loses the supervisor (``on_delete=SET_NULL``) on the
    record, so they are told. Call inside the deletion's transaction, before it."""
    users = list(users)
    deleted = {user.pk for user in users}
    for user in users:
        for token in ApiToken.objects.filter(user=user).order_by("pk"):
            record_event(actor, AccountAction.TOKEN_REVOKE, user, token=token.pk)
        for supervisee in User.objects.filter(supervisor=user).order_by("pk"):
            if supervisee.pk not in deleted:
                record_event(actor, AccountAction.SUPERVISOR_REMOVE, supervisee)
        record_event(actor, AccountAction.USER_DELETE, user)


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

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[str]]:
        """What the delete confirmation (single, and the list's bulk action) shows. A user with
        clinical records is refused with counts only (Django would list each patient, session
        and note by its text); otherwise Django's own list, which then holds account rows only."""
        users = list(objs)
        refusals = _clinical_refusals(users)
        if refusals:
            return [], {}, set(), refusals
        return super().get_deleted_objects(users, request)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        # The delete view runs this inside its transaction: entries and deletion commit together.
        _record_deletion(request.user, [obj])
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # The list's bulk action runs outside a transaction: the entries and the deletion
        # commit (or a protected user rolls them back) together.
        _record_deletion(request.user, queryset)
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


class OwnPasswordChangeForm(AdminPasswordChangeForm):
    """The admin site's *Change password* page (an admin's own password, old one required):
    chained as ``password_set`` with the admin as actor and target, in the change's transaction.
    Not a notice: a user is not told of their own acts (events.pending)."""

    def save(self, commit: bool = True) -> Any:
        with transaction.atomic():
            user = super().save(commit)
            if commit:
                record_event(user, AccountAction.PASSWORD_SET, user)
        return user


def own_password_change(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """AdminSite.password_change with the chained form (Django's hard-codes its form class)."""
    site = admin.site
    request.current_app = site.name
    view = PasswordChangeView.as_view(
        form_class=OwnPasswordChangeForm,
        success_url=reverse("admin:password_change_done", current_app=site.name),
        extra_context={**site.each_context(request), **(extra_context or {})},
        template_name=site.password_change_template or "registration/password_change_form.html",
    )
    return view(request)


# The site's URLs are built (get_urls) after this module is imported by admin autodiscovery, so
# /admin/password_change/ is served by the chained view; test_security_accounts.py checks it.
admin.site.password_change = own_password_change
