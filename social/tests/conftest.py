import io

import pytest
from PIL import Image


def image_bytes(fmt: str = "PNG", size=(640, 480), mode: str = "RGB", **save) -> bytes:
    """A real image made by Pillow (a gradient, so encoders have something to do)."""
    bands = [
        Image.linear_gradient("L").rotate(90).resize(size),
        Image.linear_gradient("L").resize(size),
        Image.new("L", size, 128),
    ]
    if mode == "RGBA":
        bands.append(Image.new("L", size, 200))
    image = Image.merge(mode, bands) if mode in ("RGB", "RGBA") else Image.new(mode, size)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    """Local media storage in a fresh directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CLOUDINARY_URL = ""
    return tmp_path / "media"
