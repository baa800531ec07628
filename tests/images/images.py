"""Tiny images made on the fly for HTTP-level tests (the processing tests have richer
samples in `samples.py`)."""

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


def gps_rotated_jpeg() -> bytes:
    """A 60x20 JPEG whose EXIF says 'rotate 90° CW' (orientation 6), with GPS and a comment."""
    image = Image.new("RGB", (60, 20), (10, 20, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "SecretCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)
    gps[3], gps[4] = "W", (0.0, 7.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return buffer.getvalue()
