"""Every free text a user writes gets the one cleaning (`lemonnpie.text.clean_text`): invisible,
control and bidi characters are dropped and lengths count what is left."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from conftest import client_for
from lemonnpie.text import clean_text
from moderation.models import Report
from reviews.models import Review
from reviews.tests.helpers import GOOD_REVIEW, counted_review

ZWSP, RLO, ZWJ, BOM = "\u200b", "\u202e", "\u200d", "\ufeff"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (ZWSP * 20, ""),
        (RLO * 20, ""),
        ("\u2066\u2069\u200e\u200f\u061c\u2060\u00ad" + BOM, ""),
        ("\u3164\u115f\u2800 ", ""),
        (f"Good{ZWSP} film{RLO}", "Good film"),
        ("Line one\r\nLine two\x07", "Line one\nLine two"),
        # A joiner between two visible characters shapes an emoji sequence (family, heart on fire).
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f468\u200d\U0001f469\u200d\U0001f467"),
        ("\u2764\ufe0f\u200d\U0001f525", "\u2764\ufe0f\u200d\U0001f525"),
        (f"{ZWJ}a {ZWJ} b{ZWJ}", "a  b"),
        ("Ìjọ̀ba Òfin Mósè", "Ìjọ̀ba Òfin Mósè"),
    ],
)
def test_clean_text_drops_invisible_characters_only(raw, clean):
    assert clean_text(raw, multiline=True) == clean


@pytest.mark.django_db
@pytest.mark.parametrize("invisible", [ZWSP, RLO, "\u2066", BOM, "\u3164"])
def test_a_review_text_of_invisible_characters_is_refused(invisible):
    body = {"movie_id": str(MovieFactory().pk), **GOOD_REVIEW, "review_text": invisible * 20}
    response = client_for(UserFactory()).post("/api/v1/reviews", body, format="json")
    assert response.status_code == 400, response.content
    assert [d["field"] for d in response.json()["details"]] == ["review_text"]
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_the_review_length_is_counted_after_cleaning_and_the_clean_text_is_stored():
    movie = MovieFactory()
    client = client_for(UserFactory())
    short = {"movie_id": str(movie.pk), **GOOD_REVIEW, "review_text": ZWSP.join("Too short")}  # 9 visible
    assert client.post("/api/v1/reviews", short, format="json").status_code == 400
    body = {"movie_id": str(movie.pk), **GOOD_REVIEW, "review_text": f"{RLO}Great{ZWSP} film,\nsee it{BOM}"}
    response = client.post("/api/v1/reviews", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["review_text"] == "Great film,\nsee it"
    review_id = response.json()["id"]
    patched = client.patch(f"/api/v1/reviews/{review_id}", {"review_text": ZWSP * 30}, format="json")
    assert patched.status_code == 400
    assert Review.objects.get(pk=review_id).review_text == "Great film,\nsee it"


@pytest.mark.django_db
def test_tags_are_cleaned_before_they_become_slugs():
    body = {"movie_id": str(MovieFactory().pk), **GOOD_REVIEW, "nollywood_tags": [f"Family{ZWSP} Drama", ZWSP * 5]}
    response = client_for(UserFactory()).post("/api/v1/reviews", body, format="json")
    assert response.status_code == 400
    assert [d["field"] for d in response.json()["details"]] == ["nollywood_tags.1"]
    body["nollywood_tags"] = [f"Family{ZWSP} Drama"]
    response = client_for(UserFactory()).post("/api/v1/reviews", body, format="json")
    assert response.json()["nollywood_tags"] == ["family-drama"]


@pytest.mark.django_db
def test_report_details_and_moderation_texts_are_cleaned(moderator_client):
    review = counted_review(user=UserFactory(), movie=MovieFactory())
    body = {"content_type": "review", "content_id": str(review.pk), "reason": "spam", "details": f"Spam{RLO}{ZWSP}!"}
    response = client_for(UserFactory()).post("/api/v1/reports", body, format="json")
    assert response.status_code == 201, response.content
    assert Report.objects.get().details == "Spam!"
    decision = moderator_client.post(
        f"/api/v1/admin/moderation/{review.pk}", {"action": "reject", "reason": ZWSP * 10}, format="json"
    )
    assert decision.status_code == 400
    assert [d["field"] for d in decision.json()["details"]] == ["reason"]


@pytest.mark.django_db
def test_profile_names_get_the_same_cleaning(auth_client):
    response = auth_client.patch("/api/v1/users/profile", {"name": ZWSP * 12}, format="json")
    assert response.status_code == 400
    response = auth_client.patch("/api/v1/users/profile", {"name": f"Chi{ZWSP}oma {BOM}Okafor"}, format="json")
    assert response.json()["name"] == "Chioma Okafor"


# Text that is not prose: secrets, tokens and codes keep their exact bytes or have their own validator.
NOT_PROSE = {"refresh", "token", "review_language"}


def _request_bodies():
    from django.urls import get_resolver

    from lemonnpie.api.serializers import InputSerializer

    get_resolver().resolve("/api/v1/movies")  # imports every view, so every request body is defined
    pending, seen = [InputSerializer], []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        seen.append(cls)
    return seen[1:]


def test_every_free_text_field_of_a_request_body_is_cleaned():
    """A new request body with a plain CharField for prose fails here: use CleanCharField."""
    from rest_framework import serializers

    from lemonnpie.api.fields import CleanCharField

    unclean, checked = [], 0
    for cls in _request_bodies():
        for name, field in cls().fields.items():
            fields = [field, getattr(field, "child", None)]
            for each in filter(None, fields):
                if type(each) is serializers.CharField and not each.write_only and name not in NOT_PROSE:
                    unclean.append(f"{cls.__name__}.{name}")
                checked += isinstance(each, CleanCharField)
    assert checked >= 15
    assert unclean == []
