"""The average colour kept with each image, painted while its thumbnail loads."""

import io

from PIL import Image

from app.images.processing.pipeline import process_image


def processed_color(tmp_path, data: bytes) -> str:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return process_image(str(path)).color


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def test_a_plain_picture_has_its_own_colour(tmp_path):
    assert processed_color(tmp_path, encoded(Image.new("RGB", (900, 600), (40, 120, 200)))) \
        == "#2878c8"


def test_halves_average_out(tmp_path):
    image = Image.new("RGB", (400, 400), (255, 0, 0))
    image.paste((0, 0, 255), (0, 200, 400, 400))
    assert processed_color(tmp_path, encoded(image)) == "#800080"


def test_transparent_pixels_do_not_count(tmp_path):
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    image.paste((0, 160, 0, 255), (0, 0, 100, 400))
    assert processed_color(tmp_path, encoded(image)) == "#00a000"


def test_a_fully_transparent_picture_has_none(tmp_path):
    assert processed_color(tmp_path, encoded(Image.new("RGBA", (50, 50), (9, 9, 9, 0)))) == ""


def test_animations_take_their_first_frame(tmp_path):
    frames = [Image.new("RGB", (64, 64), color) for color in ((200, 0, 0), (0, 0, 200))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert processed_color(tmp_path, buffer.getvalue()) == "#c80000"
