"""Field hygiene shared by the accounts serializers and services."""

import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError

# Direction overrides and isolates let a name display as something else ("evil\u202eneila").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC-normalise, drop control characters (keeping newlines and tabs when `multiline`) and
    bidirectional overrides, and trim surrounding whitespace."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    kept = []
    for char in value:
        if char in _BIDI_CONTROLS:
            continue
        if unicodedata.category(char) == "Cc" and not (multiline and char in "\n\t"):
            continue
        kept.append(char)
    return "".join(kept).strip()


def password_problems(password: str, *, user) -> list[str]:
    """Messages of every password validator `password` fails for `user` (empty when it passes)."""
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        return list(exc.messages)
    return []
