"""The perceptual hash kept with each image: the same picture found again after it was
re-encoded, resized or recoloured a little; a different picture is far away."""

import io
import random

from imagehash import hex_to_hash
from PIL import Image, ImageDraw, ImageEnhance

from app.images.processing.pipeline import process_image
from app.images.processing.pixels import perceptual_hash
from tests.client import upload_one

ALIKE = 10  # bits of 64 that may differ between two copies of one picture


def scene(seed: int, size=(1200, 800)) -> Image.Image:
    """A picture with structure (shapes on a gradient), different for each seed."""
    rng = random.Random(seed)  # noqa: S311 (a repeatable picture, not a secret)
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        radius = rng.randrange(40, 260)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius),
                     fill=tuple(rng.randrange(256) for _ in range(3)))
    return image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def hashed(tmp_path, data: bytes) -> str:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return process_image(str(path)).phash


def distance(a: str, b: str) -> int:
    return hex_to_hash(a) - hex_to_hash(b)


def test_copies_of_one_picture_are_alike_and_others_are_not(tmp_path):
    picture = scene(1)
    original = hashed(tmp_path, encoded(picture, "PNG"))
    assert len(original) == 16 and int(original, 16) >= 0
    copies = [
        encoded(picture, "JPEG", quality=40),
        encoded(picture.resize((600, 400)), "WEBP", quality=60),
        encoded(ImageEnhance.Brightness(picture).enhance(1.15), "JPEG", quality=85),
    ]
    for copy in copies:
        assert distance(original, hashed(tmp_path, copy)) <= ALIKE
    for seed in (2, 3, 4):
        assert distance(original, hashed(tmp_path, encoded(scene(seed), "PNG"))) > ALIKE


def test_an_animation_is_hashed_by_its_first_frame(tmp_path):
    frames = [scene(5, (400, 300)), scene(6, (400, 300))]
    animated = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert distance(hashed(tmp_path, animated), perceptual_hash(frames[0])) <= ALIKE


async def test_an_upload_stores_its_hash(alice, db):
    image = await upload_one(alice, encoded(scene(7), "JPEG"))
    stored = await db.images.find_one({"_id": image["id"]})
    assert distance(stored["phash"], perceptual_hash(scene(7))) <= ALIKE
