"""Movie posters (issue 18): admins upload through the image pipeline (social.images), renditions
are stored, and `poster: {url, thumbnail, medium, large}` shows on every movie shape."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.tests.factories import MovieFactory
from reviews.tests.factories import ReviewFactory
from social.tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CLOUDINARY_URL = ""
    return tmp_path / "media"


SIZES = {"thumbnail": (150, 150), "medium": (400, 300), "large": (800, 600)}


def upload(client, movie_id, data: bytes, name: str = "poster.png"):
    file = SimpleUploadedFile(name, data, content_type="image/png")
    return client.post(f"/api/v1/movies/{movie_id}/poster", {"file": file}, format="multipart")


def stored_file(root: Path, url: str) -> Path:
    return root / url.split(django_settings.MEDIA_URL, 1)[1]


def test_an_admin_uploads_a_poster_and_every_shape_shows_it(
    admin_client_api,
    api_client,
    media_root,
    django_capture_on_commit_callbacks,
):
    movie = MovieFactory(title="King of Boys", poster_url="https://old.example.com/kob.jpg")
    ReviewFactory(movie=movie)
    assert api_client.get(f"/api/v1/movies/{movie.pk}").json()["poster"]["large"] == "https://old.example.com/kob.jpg"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client_api, movie.pk, image_bytes("PNG", size=(1000, 1500)))
    assert response.status_code == 200, response.content
    poster = response.json()["poster"]
    assert set(poster) == {"url", "thumbnail", "medium", "large"}
    assert all(url.startswith("http://testserver/media/images/") and url.endswith(".webp") for url in poster.values())
    for name, size in SIZES.items():
        with Image.open(stored_file(media_root, poster[name])) as image:
            assert (image.format, image.size) == ("WEBP", size)
    # The cached detail was dropped; lists, review.movie and suggestions show the new poster.
    assert api_client.get(f"/api/v1/movies/{movie.pk}").json()["poster"] == poster
    assert api_client.get("/api/v1/movies").json()["results"][0]["poster"] == poster
    assert api_client.get("/api/v1/reviews").json()["results"][0]["movie"]["poster"] == poster
    assert api_client.get("/api/v1/movies/suggestions", {"q": "king of boys"}).json()["results"][0]["poster"] == poster
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client_api.delete(f"/api/v1/movies/{movie.pk}/poster").status_code == 204
    # Back to the external URL (never erased by an upload).
    assert api_client.get(f"/api/v1/movies/{movie.pk}").json()["poster"]["url"] == "https://old.example.com/kob.jpg"


def test_only_admins_upload_posters(moderator_client, auth_client, api_client, media_root):
    movie = MovieFactory()
    data = image_bytes()
    assert upload(api_client, movie.pk, data).status_code == 401
    assert upload(auth_client, movie.pk, data).status_code == 403
    assert upload(moderator_client, movie.pk, data).status_code == 403
    assert not media_root.exists() or not any(media_root.rglob("*.webp"))


def test_bad_posters_are_refused_and_nothing_changes(admin_client_api, media_root):
    movie = MovieFactory()
    response = upload(admin_client_api, movie.pk, b"<svg xmlns='http://www.w3.org/2000/svg'/>", name="x.svg")
    assert response.status_code == 415 and response.json()["error"] == "unsupported_media_type"
    assert upload(admin_client_api, "00000000-0000-0000-0000-000000000000", image_bytes()).status_code == 404
    empty = admin_client_api.post(f"/api/v1/movies/{movie.pk}/poster", {}, format="multipart")
    assert empty.status_code == 400 and empty.json()["details"][0]["field"] == "file"
    movie.refresh_from_db()
    assert movie.poster is None
