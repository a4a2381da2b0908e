"""Django admin for users: list, search by email or name, filter by role, status and verification.

Writes that end sessions (deactivating, a new password) go through the accounts services, so a
change made here takes effect on the API at once, as it would through the API.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, BaseUserCreationForm, ReadOnlyPasswordHashField
from django.db import models, transaction
from django.utils import timezone

from accounts import services
from accounts.models import User


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "role")


class UserChangeForm(forms.ModelForm):
    password = ReadOnlyPasswordHashField(
        label="Password",
        help_text="Passwords are not stored in plain text. Use the “Reset password” form to set a new one.",
    )

    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "name",
            "bio",
            "location",
            "avatar_url",
            "role",
            "is_active",
            "is_verified",
            "groups",
            "user_permissions",
            "locked_until",
        )
        formfield_callback = _formfield


class SessionEndingPasswordForm(AdminPasswordChangeForm):
    """An admin-set password ends every session of the user, as a reset does."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            services.user_revoke_refresh_tokens(user=user)
        return user


class LockedFilter(admin.SimpleListFilter):
    title = "locked out"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", "Locked now"), ("no", "Not locked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(locked_until__gt=now)
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = SessionEndingPasswordForm

    list_display = ("email", "name", "role", "is_active", "is_verified", "review_count", "last_login", "created_at")
    list_filter = ("role", "is_active", "is_verified", LockedFilter)
    search_fields = ("email", "name")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    filter_horizontal = ("groups", "user_permissions")
    readonly_fields = (
        "id",
        "last_login",
        "created_at",
        "updated_at",
        "login_attempts",
        "review_count",
        "review_rating_sum",
        "followers_count",
        "following_count",
        "token_version",
    )
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        ("Profile", {"fields": ("name", "bio", "location", "avatar_url")}),
        ("Access", {"fields": ("role", "is_active", "is_verified", "groups", "user_permissions")}),
        ("Sign-in", {"fields": ("last_login", "login_attempts", "locked_until", "token_version")}),
        ("Stats", {"fields": ("review_count", "review_rating_sum", "followers_count", "following_count")}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "role", "password1", "password2")}),)
    actions = ("unlock_accounts", "end_all_sessions")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_revoke_refresh_tokens(user=obj)

    @admin.action(description="Lift the sign-in lockout of the selected users", permissions=["change"])
    def unlock_accounts(self, request, queryset):
        count = queryset.update(login_attempts=0, locked_until=None)
        self.message_user(request, f"Unlocked {count} account(s).", messages.SUCCESS)

    @admin.action(description="Sign the selected users out everywhere", permissions=["change"])
    def end_all_sessions(self, request, queryset):
        revoked = 0
        for user in queryset.order_by("pk"):
            revoked += services.user_revoke_refresh_tokens(user=user)
        self.message_user(request, f"Revoked {revoked} refresh token(s); access tokens end now.", messages.SUCCESS)
