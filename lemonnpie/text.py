"""The one cleaning of free text a user writes (names, bios, reviews, report details, tags, notes)."""

import unicodedata

# Direction overrides and isolates let a text display as something else ("evil\u202eneila").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters that render as nothing (Hangul fillers, the blank braille pattern).
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Joiners shape emoji sequences and some scripts; they are kept only between two visible characters.
_JOINERS = frozenset("\u200c\u200d")


def _visible(char: str) -> bool:
    return not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Cs") or char in _INVISIBLE_LETTERS)


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC-normalise; drop control characters (keeping newlines and tabs when `multiline`), bidi
    overrides, zero-width and other invisible format characters (a joiner survives only between
    two visible characters, as in emoji sequences) and invisible filler letters; trim the ends.
    Length limits apply to the result."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    kept = []
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if char in _JOINERS:
            between_visible = 0 < index < len(value) - 1 and _visible(value[index - 1]) and _visible(value[index + 1])
            if between_visible:
                kept.append(char)
            continue
        if char in _BIDI_CONTROLS or char in _INVISIBLE_LETTERS or category in ("Cf", "Cs"):
            continue
        if category == "Cc" and not (multiline and char in "\n\t"):
            continue
        kept.append(char)
    return "".join(kept).strip()
