"""Password checks shared by the accounts serializers and services (text cleaning: lemonnpie.text)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError


def password_problems(password: str, *, user) -> list[str]:
    """Messages of every password validator `password` fails for `user` (empty when it passes)."""
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        return list(exc.messages)
    return []
