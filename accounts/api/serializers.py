"""Request and response shapes of /auth/* and /users/profile (API.md §3, §4)."""

from django.core.validators import URLValidator
from rest_framework import serializers

from accounts.models import User
from accounts.shapes import UserPrivate
from accounts.validators import password_problems
from lemonnpie.api.fields import CleanCharField
from lemonnpie.api.serializers import InputSerializer

PASSWORD_MAX = 128  # ASVS 2.1.2: at least 64 allowed; a bound keeps hashing cheap to refuse
LOGIN_PASSWORD_MAX = 1024


class HttpUrlField(serializers.URLField):
    """A URLField that accepts only http(s) links (no `javascript:`, `data:` or `ftp:`)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        others = [v for v in self.validators if not isinstance(v, URLValidator)]
        self.validators = [*others, URLValidator(schemes=["http", "https"], message=self.error_messages["invalid"])]


def _password_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"}, **kwargs)


def _check_new_password(password: str, *, user: User) -> str:
    problems = password_problems(password, user=user)
    if problems:
        raise serializers.ValidationError(problems)
    return password


class RegisterSerializer(InputSerializer):
    email = serializers.EmailField(max_length=254)
    password = _password_field(max_length=PASSWORD_MAX)
    name = CleanCharField(max_length=255)

    def validate_password(self, value):
        # Field-level, so a weak password is reported together with every other bad field;
        # the similarity check compares against the email and name as sent.
        raw = self.initial_data
        email = raw.get("email") if isinstance(raw.get("email"), str) else ""
        name = raw.get("name") if isinstance(raw.get("name"), str) else ""
        return _check_new_password(value, user=User(email=email.strip().lower(), name=name))


class LoginSerializer(InputSerializer):
    email = serializers.EmailField(max_length=254)
    password = _password_field(max_length=LOGIN_PASSWORD_MAX)


class RefreshSerializer(InputSerializer):
    refresh = serializers.CharField(max_length=4096, trim_whitespace=True)


class LogoutSerializer(RefreshSerializer):
    pass


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Access JWT (15 minutes): send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Refresh JWT (7 days, single use: each refresh rotates it).")


class AuthResultSerializer(TokenPairSerializer):
    user = UserPrivate.serializer()


class ForgotPasswordSerializer(InputSerializer):
    email = serializers.EmailField(max_length=254)


class ResetPasswordSerializer(InputSerializer):
    token = serializers.CharField(max_length=512)
    password = _password_field(max_length=PASSWORD_MAX)


class ChangePasswordSerializer(InputSerializer):
    old_password = _password_field(max_length=LOGIN_PASSWORD_MAX)
    new_password = _password_field(max_length=PASSWORD_MAX)

    def validate_new_password(self, value):
        return _check_new_password(value, user=self.context["request"].user)


class AccountsDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ProfileUpdateSerializer(InputSerializer):
    """Only these four change; anything else in the body (role, email, is_verified...) is ignored."""

    name = CleanCharField(max_length=255, required=False)
    bio = CleanCharField(max_length=2000, required=False, allow_blank=True, multiline=True)
    location = CleanCharField(max_length=255, required=False, allow_blank=True)
    avatar_url = HttpUrlField(max_length=500, required=False, allow_blank=True)
