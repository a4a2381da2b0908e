"""Image uploads (API.md §8): verify, sanitise, re-encode to WebP, store with renditions.

Every byte is checked by Pillow against an allow-list of decoders chosen by magic bytes (the
declared name and content type are ignored); declared dimensions are checked before any pixel is
decoded, so a decompression bomb costs nothing; EXIF/XMP/ICC metadata is dropped by re-encoding.
Names are generated here. With `CLOUDINARY_URL` (and `MEDIA_STORAGE` not `s3`) the sanitised WebP
goes to Cloudinary and the renditions are Cloudinary transformation URLs; otherwise the WebP
original and real 150x150, 400x300 and 800x600 renditions go to the media storage: an
S3-compatible bucket with `MEDIA_STORAGE=s3`, else local disk (development; served under MEDIA_URL).
"""

import io
import logging
import uuid
import warnings
from urllib.parse import urlparse

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler, TemporaryFileUploadHandler
from PIL import Image, ImageOps

from lemonnpie.api.exceptions import ApplicationError

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # ~ a 7700x5200 photo; far below Pillow's own bomb threshold
MAX_SIDE = 16383  # WebP cannot encode a wider or taller image
MAX_STORED_SIDE = 4096  # the stored "original" is downscaled to this; bounds encode time and memory
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
RENDITIONS = {"thumbnail": (150, 150), "medium": (400, 300), "large": (800, 600)}
WEBP_QUALITY = 82
FOLDER = "images"


def max_bytes() -> int:
    return getattr(settings, "UPLOAD_IMAGE_MAX_BYTES", MAX_BYTES)


class PayloadTooLarge(ApplicationError):
    def __init__(self, limit: int | None = None):
        limit = limit or max_bytes()
        super().__init__(
            f"The file is larger than {limit // (1024 * 1024)} MB.",
            error="payload_too_large",
            status=413,
            details=[{"field": "file", "message": f"At most {limit} bytes are accepted."}],
        )


def _not_an_image(reason: str) -> ApplicationError:
    return ApplicationError(
        "The file is not a supported image (JPEG, PNG, WebP or GIF).",
        error="unsupported_media_type",
        status=415,
        details=[{"field": "file", "message": reason}],
    )


def _too_many_pixels(size: tuple[int, int] | None = None) -> ApplicationError:
    declared = f"{size[0]}x{size[1]} pixels" if size else "The declared size"
    return ApplicationError(
        "The image dimensions are too large.",
        error="validation_error",
        status=400,
        details=[
            {
                "field": "file",
                "message": f"{declared} exceeds the limit of {MAX_PIXELS} pixels and {MAX_SIDE} pixels per side.",
            }
        ],
    )


def image_decode(data: bytes) -> Image.Image:
    """The decoded first frame of `data`, upright (EXIF orientation applied), RGB or RGBA,
    with no metadata, at most MAX_STORED_SIDE px on its long side (downscaled, never cropped);
    or an ApplicationError (413, 415, 400 for a bomb)."""
    if len(data) > max_bytes():
        raise PayloadTooLarge()
    if not data:
        raise ApplicationError(
            "The submitted file is empty.",
            error="validation_error",
            details=[{"field": "file", "message": "The submitted file is empty."}],
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            width, height = probe.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise _too_many_pixels((width, height))
            probe.verify()
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            if image.format == "JPEG":  # decode a huge JPEG at 1/2..1/8 scale: less memory, same result
                image.draft(image.mode, (MAX_STORED_SIDE, MAX_STORED_SIDE))
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
            target_mode = "RGBA" if has_alpha else "RGB"
            if image.mode != target_mode:
                image = image.convert(target_mode)
    except ApplicationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Exception as exc:  # Pillow raises many types for hostile input; all mean "not an image"
        logger.info("upload refused: %s: %s", exc.__class__.__name__, exc)
        raise _not_an_image("The content could not be decoded as an image.") from None
    image.info.clear()  # no EXIF, XMP, ICC or comments survive
    if max(image.size) > MAX_STORED_SIDE:
        image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE), Image.Resampling.LANCZOS)
    return image


def _webp(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()


def image_renditions(image: Image.Image) -> dict[str, bytes]:
    """WebP bytes of each rendition, cropped to fill exactly its box (like Cloudinary `c_fill`)."""
    return {
        name: _webp(ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)) for name, size in RENDITIONS.items()
    }


def _new_public_id() -> str:
    return f"{FOLDER}/{uuid.uuid4().hex}"


# --- media storage (S3-compatible, or local disk in development) ---------------------------


def _s3() -> bool:
    return getattr(settings, "MEDIA_STORAGE", "") == "s3"


def local_storage() -> Storage:
    if _s3():
        return storages["default"]
    return FileSystemStorage(location=settings.MEDIA_ROOT, base_url=settings.MEDIA_URL)


def local_store(image: Image.Image) -> dict:
    """Write the WebP original and its renditions; all or nothing."""
    storage = local_storage()
    public_id = _new_public_id()
    original = _webp(image)
    files = {"original": (f"{public_id}.webp", original)}
    for name, content in image_renditions(image).items():
        width, height = RENDITIONS[name]
        files[name] = (f"{public_id}_{width}x{height}.webp", content)
    saved: dict[str, str] = {}
    try:
        for key, (name, content) in files.items():
            saved[key] = storage.save(name, ContentFile(content))
    except Exception as exc:
        for name in saved.values():
            storage.delete(name)
        if not _s3():
            raise
        logger.warning("media storage upload failed: %s: %s", exc.__class__.__name__, exc)
        raise _storage_unavailable() from None
    return {
        "url": storage.url(saved["original"]),
        "public_id": public_id,
        "width": image.width,
        "height": image.height,
        "format": "webp",
        "bytes": len(original),
        "optimized_urls": {key: storage.url(saved[key]) for key in RENDITIONS},
    }


def _storage_unavailable() -> ApplicationError:
    return ApplicationError(
        "Image storage is temporarily unavailable.",
        error="service_unavailable",
        status=503,
        headers={"Retry-After": "5"},
    )


# --- Cloudinary -----------------------------------------------------------------------------


def cloudinary_credentials(cloudinary_url: str) -> dict[str, str]:
    """`cloudinary://<api_key>:<api_secret>@<cloud_name>` as SDK options."""
    parsed = urlparse(cloudinary_url)
    if parsed.scheme != "cloudinary" or not parsed.hostname:
        raise ValueError("CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud_name>")
    return {"cloud_name": parsed.hostname, "api_key": parsed.username or "", "api_secret": parsed.password or ""}


def cloudinary_rendition_urls(public_id: str, *, cloud_name: str, version=None) -> dict[str, str]:
    """The three transformation URLs (WebP, `q_auto:good`, `c_fill`). Pure: no network."""
    from cloudinary.utils import cloudinary_url

    urls = {}
    for name, (width, height) in RENDITIONS.items():
        urls[name], _ = cloudinary_url(
            public_id,
            cloud_name=cloud_name,
            secure=True,
            format="webp",
            version=version,
            width=width,
            height=height,
            crop="fill",
            quality="auto:good",
        )
    return urls


def cloudinary_upload(data: bytes, *, public_id: str, credentials: dict[str, str]) -> dict:
    """The one network call: store `data` on Cloudinary as WebP (`quality auto:good`)."""
    import cloudinary.uploader

    return cloudinary.uploader.upload(
        data,
        public_id=public_id,
        resource_type="image",
        format="webp",
        quality="auto:good",
        overwrite=False,
        **credentials,
    )


def cloudinary_store(image: Image.Image) -> dict:
    credentials = cloudinary_credentials(settings.CLOUDINARY_URL)
    try:
        result = cloudinary_upload(_webp(image), public_id=_new_public_id(), credentials=credentials)
    except Exception as exc:  # the SDK raises its own errors and requests/urllib3 ones
        logger.warning("cloudinary upload failed: %s: %s", exc.__class__.__name__, exc)
        raise _storage_unavailable() from None
    return {
        "url": result["secure_url"],
        "public_id": result["public_id"],
        "width": result["width"],
        "height": result["height"],
        "format": result.get("format", "webp"),
        "bytes": result["bytes"],
        "optimized_urls": cloudinary_rendition_urls(
            result["public_id"], cloud_name=credentials["cloud_name"], version=result.get("version")
        ),
    }


def image_upload(*, data: bytes) -> dict:
    """Verify and store one uploaded image; the API.md §8 answer (URLs may be relative)."""
    image = image_decode(data)
    if settings.CLOUDINARY_URL and not _s3():
        return cloudinary_store(image)
    return local_store(image)


# --- reading an upload from a request -------------------------------------------------------

_MULTIPART_OVERHEAD = 64 * 1024


class _FileSizeCapHandler(FileUploadHandler):
    """First in the chain: aborts the upload with 413 as soon as a file passes the limit, so an
    oversized body is never buffered or written to a temporary file in full."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > max_bytes():
            raise PayloadTooLarge()
        return raw_data

    def file_complete(self, file_size):
        return None


def read_upload(request, *, field: str = "file") -> bytes:
    """The bytes of the multipart file `field` of a DRF request (call it before touching
    `request.data`): 413 as soon as it passes the limit, 400 when it is missing."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes() + _MULTIPART_OVERHEAD:
        raise PayloadTooLarge()
    django_request = request._request
    django_request.upload_handlers = [
        _FileSizeCapHandler(django_request),
        MemoryFileUploadHandler(django_request),
        TemporaryFileUploadHandler(django_request),
    ]
    upload = request.FILES.get(field)
    if upload is None:
        raise ApplicationError(
            "No file was submitted.",
            error="validation_error",
            details=[{"field": field, "message": "No file was submitted."}],
        )
    if upload.size > max_bytes():
        raise PayloadTooLarge()
    return upload.read()
