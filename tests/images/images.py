"""Tiny plain images in any colour, for HTTP tests that need many distinct uploads (images
with metadata, odd modes and other formats are in `samples.py`)."""

import io

from PIL import Image


def jpeg(color=(200, 30, 30), size=(64, 48), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def png(color=(30, 200, 30, 255), size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, color).save(buffer, "PNG")
    return buffer.getvalue()
