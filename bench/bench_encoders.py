"""Encoder settings for the derivatives: time, bytes and SSIM per setting.

    python bench/bench_encoders.py [--repeat N]

For each picture kind (a 24 MP photo-like JPEG, the same with pure noise, a 2560x1440
screenshot, a smooth gradient) it makes the derivative sizes the way the pipeline does
(JPEG draft decode, one resize chain, `pixels.shrink`) and prints, per size and setting, the best of
N encode times, the bytes and the SSIM of the decoded result against the picture encoded
(luma, 8x8 windows). Then it shows at which sizes AVIF would pay, so whether the cheap
trial at 320 px gives the answer trying at 640 and 1600 px would, and what each resize
filter costs and how close its `large` comes to a Lanczos resize of the whole undecimated
picture. Uses numpy (a dependency of the test extra's shapely) for SSIM. One process, one
core at a time.
"""

import argparse
import io
import os
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from inputs import photo_like, screenshot

from app.images.processing import encode
from app.images.processing.derivatives import SIZES
from app.images.processing.pixels import fit, shrink

WEBP_METHODS = (0, 2, 4, 6)
AVIF_SPEEDS = (6, 8, 10)


def ssim(a: Image.Image, b: Image.Image, window: int = 8) -> float:
    """Mean SSIM of the luma of `a` and `b` over non-overlapping windows (the classic
    constants for 8-bit data)."""
    x = np.asarray(a.convert("L"), dtype=np.float64)
    y = np.asarray(b.convert("L"), dtype=np.float64)
    h, w = (x.shape[0] // window) * window, (x.shape[1] // window) * window

    def blocks(m):
        return m[:h, :w].reshape(h // window, window, w // window, window).swapaxes(1, 2)

    bx, by = blocks(x), blocks(y)
    mx, my = bx.mean(axis=(2, 3)), by.mean(axis=(2, 3))
    vx, vy = bx.var(axis=(2, 3)), by.var(axis=(2, 3))
    cov = ((bx - mx[..., None, None]) * (by - my[..., None, None])).mean(axis=(2, 3))
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return float((((2 * mx * my + c1) * (2 * cov + c2))
                  / ((mx**2 + my**2 + c1) * (vx + vy + c2))).mean())


def pictures() -> dict[str, bytes]:
    def jpeg(im):
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=90)
        return buf.getvalue()

    noise = Image.merge("RGB", [Image.effect_noise((6000, 4000), 80) for _ in range(3)])
    return {
        "photo 24 MP": jpeg(photo_like((6000, 4000))),
        "noise 24 MP": jpeg(noise),
        "screenshot 2560x1440": jpeg(screenshot((2560, 1440))),
        "gradient 4000x1000": jpeg(Image.linear_gradient("L").resize((4000, 1000)).convert("RGB")),
    }


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def decoded_sizes(data: bytes, resample=None) -> dict[str, Image.Image]:
    """The derivative sizes as the pipeline makes them; `resample`: another filter for the
    largest one."""
    im = Image.open(io.BytesIO(data))
    box = fit(im.size, SIZES["large"])
    im.draft("RGB", box)
    im = im.convert("RGB")
    img = im.resize(box, resample, reducing_gap=2.0) if resample else shrink(im, box)
    sizes = {}
    for name, side in SIZES.items():
        img = sizes[name] = shrink(img, fit(box, side))
    return sizes


def row(name, label, seconds, data, reference):
    shown = Image.open(io.BytesIO(data))
    print(f"  {name:8} {label:18} {seconds * 1000:7.1f} ms {len(data) / 1024:8.1f} KiB  "
          f"SSIM {ssim(shown, reference):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"cores: {len(os.sched_getaffinity(0))}, load: {os.getloadavg()[0]:.1f}")
    for kind, data in pictures().items():
        print(f"\n== {kind} ({len(data) / 1024 / 1024:.1f} MiB JPEG)")
        sizes = decoded_sizes(data)
        for name, img in sizes.items():
            for method in WEBP_METHODS:
                seconds, out = best_of(args.repeat, lambda img=img, m=method: img_webp(img, m))
                row(name, f"webp q80 m{method}", seconds, out, img)
            for speed in AVIF_SPEEDS:
                seconds, out = best_of(args.repeat, lambda img=img, s=speed: encode.avif(
                    img, None, speed=s))
                row(name, f"avif q65 s{speed}", seconds, out, img)
        webps = {name: len(encode.webp(img, None)) for name, img in sizes.items()}
        pays = {name: encode.avif_if_smaller(img, None, webps[name]) is not None
                for name, img in sizes.items()}
        print(f"  AVIF saves >= {encode.AVIF_MIN_SAVING:.0%} at: "
              + ", ".join(f"{name} {'yes' if paid else 'no'}" for name, paid in pays.items()))
        whole = Image.open(io.BytesIO(data)).convert("RGB")
        reference = whole.resize(sizes["large"].size, Image.Resampling.LANCZOS)
        for label, resample in (("lanczos", Image.Resampling.LANCZOS),
                                ("bicubic", Image.Resampling.BICUBIC),
                                ("bilinear", Image.Resampling.BILINEAR)):
            seconds, made = best_of(args.repeat, lambda r=resample, d=data: decoded_sizes(d, r))
            print(f"  decode + resize chain, {label}: {seconds * 1000:.0f} ms, SSIM of large "
                  f"against Lanczos from the undecimated picture "
                  f"{ssim(made['large'], reference):.4f}")


def img_webp(img: Image.Image, method: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "WEBP", quality=encode.WEBP_QUALITY, method=method)
    return buf.getvalue()


if __name__ == "__main__":
    main()
