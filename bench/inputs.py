"""Benchmark inputs, made once and cached under bench/.inputs (git-ignored).

Photo-like JPEGs (gradients, soft shapes, film grain and camera EXIF, never pure noise: real
photos compress very differently), a pure-noise worst case, a PNG screenshot, an animated GIF
and a HEIC. Every picture is deterministic, so a cached file equals a freshly made one.
"""

import io
import random
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

CACHE = Path(__file__).resolve().parent / ".inputs"
MP12, MP24 = (4000, 3000), (6000, 4000)


def photo_like(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A deterministic RGB picture with edges, gradients, soft shapes and sensor-like grain."""
    fractal = Image.effect_mandelbrot(size, (-2.2 + seed / 1000, -1.2, 1.0, 1.2), 60)
    radial = Image.radial_gradient("L").resize(size)
    linear = Image.linear_gradient("L").rotate(90).resize(size)
    im = Image.merge("RGB", (fractal, radial, linear))
    rng = random.Random(seed)  # noqa: S311 - picture content, not secrets
    shapes = Image.new("RGB", (size[0] // 8, size[1] // 8))
    draw = ImageDraw.Draw(shapes)
    for _ in range(40):
        x, y = rng.randrange(shapes.width), rng.randrange(shapes.height)
        r = rng.randrange(8, max(9, shapes.width // 6))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in "rgb"))
    shapes = shapes.filter(ImageFilter.GaussianBlur(3)).resize(size, Image.Resampling.BILINEAR)
    im = Image.blend(im, shapes, 0.45)
    grain = Image.merge("RGB", [Image.effect_noise(size, 40 + 6 * i) for i in range(3)])
    return Image.blend(im, grain, 0.14)


def noise(size: tuple[int, int]) -> Image.Image:
    """Pure RGB noise: the worst case, which no encoder can shrink."""
    return Image.merge("RGB", [Image.effect_noise(size, 128) for _ in range(3)])


def camera_exif(seed: int = 0) -> bytes:
    """EXIF as a camera writes it: make, model, exposure, date and a GPS position."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Pixcam", f"PX-{seed + 1}"  # Make, Model
    exif[0x0112] = 1  # Orientation
    exif[0x0132] = "2026:06:01 12:00:00"  # DateTime
    detail = exif.get_ifd(0x8769)  # Exif IFD
    detail[0x829A], detail[0x829D], detail[0x8827] = 1 / 250, 5.6, 200  # time, f-number, ISO
    detail[0x9003] = "2026:06:01 12:00:00"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 22.0, 7.5), "E", (4.0, 53.0, 41.2)
    return exif.tobytes()


def jpeg(im: Image.Image, quality: int, exif: bytes = b"") -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def screenshot(size: tuple[int, int]) -> Image.Image:
    """Text-like bars on a light background."""
    rng = random.Random(7)  # noqa: S311 - picture content, not secrets
    im = Image.new("RGB", size, (245, 245, 245))
    draw = ImageDraw.Draw(im)
    for y in range(0, size[1], 14):
        x = 10
        while x < size[0] - 40:
            width = rng.randint(10, 60)
            draw.rectangle((x, y + 3, x + width, y + 10), fill=(rng.randint(0, 80),) * 3)
            x += width + 8
    return im


def _encode(name: str, scale: float) -> bytes:
    """The bytes of input `name` with every side multiplied by `scale`."""

    def sized(size):
        return max(16, int(size[0] * scale)), max(16, int(size[1] * scale))

    buf = io.BytesIO()
    if name in ("photo-12mp.jpg", "photo-24mp.jpg"):
        size = sized(MP12 if "12" in name else MP24)
        return jpeg(photo_like(size, seed=len(name)), 93, camera_exif())
    if name == "noise-12mp.jpg":
        return jpeg(noise(sized(MP12)), 90, camera_exif())
    if name == "screenshot.png":
        screenshot(sized((2560, 1440))).save(buf, "PNG")
    elif name == "animated.gif":
        base = photo_like(sized((480, 270))).quantize(256)
        frames = [base.rotate(i * 7.2) for i in range(50)]
        frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    elif name == "photo-3mp.heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        # 3 MP: x265 takes over a minute for 12 MP, and the file is made once only.
        photo_like(sized((2016, 1512)), seed=3).save(buf, "HEIF", quality=60,
                                                     exif=camera_exif())
    else:
        raise KeyError(name)
    return buf.getvalue()


PHOTOS = ("photo-12mp.jpg", "photo-24mp.jpg")
NAMES = (*PHOTOS, "noise-12mp.jpg", "screenshot.png", "animated.gif", "photo-3mp.heic")


def path(name: str, *, smoke: bool = False) -> Path:
    """The cached input file `name` (made on first use); `smoke`: a tiny version of it."""
    scale = 0.1 if smoke else 1.0
    return _cached(CACHE / ("smoke-" + name if smoke else name), lambda: _encode(name, scale))


def noise_jpeg(megabytes: float) -> Path:
    """A cached pure-noise JPEG of about `megabytes` MB (quality 90 takes ~0.98 bytes a
    pixel)."""
    side = int((megabytes * 1e6 / 0.98) ** 0.5)
    return _cached(CACHE / f"noise-{megabytes:g}mb.jpg", lambda: jpeg(noise((side, side)), 90))


def _cached(target: Path, make) -> Path:
    """`target`, written from `make()` first if it does not exist (whole or not at all)."""
    if not target.exists():
        CACHE.mkdir(exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(make())
        partial.rename(target)
    return target


def unique(data: bytes, n: int) -> bytes:
    """`data` with a comment naming `n` added where its format keeps comments (JPEG COM
    segment, PNG tEXt chunk, GIF comment extension, ISOBMFF `free` box), so repeated uploads
    are distinct files: an owner's identical uploads are deduplicated."""
    text = f"bench upload {n}".encode()
    if data.startswith(b"\xff\xd8"):
        return data[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + data[2:]
    if data.startswith(b"\x89PNG"):
        body = b"tEXt" + b"Comment\x00" + text
        chunk = (len(body) - 4).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
        return data[:-12] + chunk + data[-12:]  # before IEND
    if data.startswith(b"GIF"):
        return data[:-1] + b"\x21\xfe" + bytes([len(text)]) + text + b"\x00" + data[-1:]
    return data + (len(text) + 8).to_bytes(4, "big") + b"free" + text
