"""Nollywood tags: free text from reviewers, stored as lower-case ASCII slugs.

"Family Drama", "family_drama" and "FAMILY   drama" are one tag, `family-drama`; accents are
dropped ("Òfin" → "ofin") so the `tag` filter finds them whatever the keyboard."""

import re

from django.utils.text import slugify

MAX_TAGS = 10
MAX_TAG_LENGTH = 40

_SEPARATORS = re.compile(r"[\s_]+")


def normalize_tag(raw: str) -> str:
    """One tag as its slug ('' when nothing sluggable is left)."""
    return slugify(_SEPARATORS.sub("-", raw or "")).replace("_", "-").strip("-")


def normalize_tags(raw_tags: list[str]) -> tuple[list[str], dict[int, str]]:
    """(distinct slugs in the order given, {index of a bad tag: message}); when there are more
    than MAX_TAGS distinct slugs the error is under index -1 (the list as a whole)."""
    tags: list[str] = []
    errors: dict[int, str] = {}
    for index, raw in enumerate(raw_tags):
        tag = normalize_tag(raw)
        if not tag:
            errors[index] = "A tag needs at least one letter or digit."
        elif len(tag) > MAX_TAG_LENGTH:
            errors[index] = f"Ensure this tag has no more than {MAX_TAG_LENGTH} characters."
        elif tag not in tags:
            tags.append(tag)
    if not errors and len(tags) > MAX_TAGS:
        errors[-1] = f"A review has at most {MAX_TAGS} tags."
    return tags, errors


def tag_error_details(errors: dict[int, str]) -> list[dict]:
    """The errors of `normalize_tags` as envelope `details`."""
    return [
        {"field": "nollywood_tags" if index < 0 else f"nollywood_tags.{index}", "message": message}
        for index, message in sorted(errors.items())
    ]
