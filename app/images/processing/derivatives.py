"""The downscaled derivatives of a picture and their encodes, as jobs that may run at once.

Each size is made from the previous one, so only the largest is resampled from the decoded
picture, and the smaller ones while the largest is encoded. Encoding them is most of an
upload's work; Pillow releases the GIL while it resizes and encodes, so the jobs of a round
run on as many cores as the caller gives them:

- Round one (`first_round`): the largest size's WebP alone (it costs about as much as the
  others together), and beside it the smaller WebPs plus one AVIF trial.
- Round two (`second_round`): AVIF siblings of the other sizes kept, only when the trial
  paid. Whether AVIF beats WebP depends on the picture, and a 320 px trial answers that for
  a tenth of the cost of trying at 1600 px (a 24 MP photo: 14 ms against 114 ms; at 640 px
  30 ms). `bench/bench_encoders.py`: on photos (never pays) and screenshots (pays at every
  size) the trial agrees with 640 and 1600 px; on pure noise and smooth gradients 1600 px
  alone would pay, but there the "saving" is lost quality (noise: SSIM 0.90 against WebP's
  0.94) or about a kilobyte. Every AVIF is kept only when at least `encode.AVIF_MIN_SAVING`
  smaller than its WebP.

No AVIF is made for a size that will not be kept: a screenshot's 1600 and 640 px WebPs
often outweigh its PNG (so `full` is served in their place), and their AVIFs, seconds of
work, would be thrown away. The trial runs at `TRIAL` when that size's WebP is lighter than
`full`, else not at all.

`without_larger` then drops a derivative that came out larger than what is served in
its place (an animated GIF's `large` WebP can outweigh the GIF).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial

from PIL import Image

from app.images.processing import encode
from app.images.processing.decoding import LARGE
from app.images.processing.pixels import fit, shrink

# Largest first; each is what a request for the next one falls back to when it is not kept.
SIZES = {"large": LARGE, "thumb2x": 640, "thumb": 320}
TRIAL = "thumb"  # the size whose AVIF trial decides for the others, when kept


@dataclass(frozen=True)
class Variant:
    """One stored rendition: its bytes, content type and pixel size as displayed.

    For a `full` JPEG or AVIF carrying an orientation, the stored raster is turned on display
    (EXIF Orientation, `irot`); width and height are those of the displayed picture. `pieces`
    tells `data` as pieces of the upload (`splice`) when it is one, so it need not be stored.
    """

    data: bytes
    content_type: str
    width: int
    height: int
    pieces: list | None = None

    @cached_property
    def sha256(self) -> str:
        """The hex digest of `data`, worked out once (`Decoded.finish` does it on a worker
        thread: a `full` can be as large as the upload)."""
        return hashlib.sha256(self.data).hexdigest()


Encoding = Callable[[], dict[str, Variant]]


def first_round(name: str, img: Image.Image, shown: tuple[int, int], icc: bytes | None,
                sizes: dict[str, Image.Image], *, trial_under: int | None) -> list[Encoding]:
    """Round one for a picture shown at `shown`, whose size `name` is `img`: a job encoding
    that size's WebP, and beside it a job that makes every smaller size of `SIZES` (each
    from the previous one, never upscaled), adds them to `sizes` for round two and for the
    thumbnail's colour and hash, and encodes their WebPs with, unless `trial_under` is None,
    the AVIF trial (`_webps`)."""
    sizes[name] = img
    jobs = [partial(_webps, {name: img}, icc, trial_under=None)]
    names = list(SIZES)
    smaller = names[names.index(name) + 1:]
    if smaller:
        jobs.append(partial(_smaller, img, shown, smaller, icc, sizes, trial_under))
    return jobs


def second_round(sizes: dict[str, Image.Image], icc: bytes | None,
                 made: dict[str, Variant]) -> list[Encoding]:
    """AVIF siblings of the sizes kept (`made` holds `full` and round one's variants) but
    the trial's, when the trial paid."""
    if not any(key.endswith(".avif") for key in made):
        return []
    kept = without_larger(made)
    return [partial(_avif, name, sizes[name], icc, len(made[f"{name}.webp"].data))
            for name in sizes if f"{name}.webp" in kept and f"{name}.avif" not in made]


def without_larger(variants: dict[str, Variant]) -> dict[str, Variant]:
    """`variants` less each size whose WebP is larger than what would be served in its
    place: the next larger size kept, or `full`."""
    kept = dict(variants)
    replacement = kept["full"]
    for name in SIZES:
        webp = kept.get(f"{name}.webp")
        if webp is None:
            continue
        if len(webp.data) > len(replacement.data):
            kept.pop(f"{name}.webp")
            kept.pop(f"{name}.avif", None)
        else:
            replacement = webp
    return kept


def _smaller(img: Image.Image, shown: tuple[int, int], names: list[str], icc: bytes | None,
             sizes: dict[str, Image.Image], trial_under: int | None) -> dict[str, Variant]:
    made = {}
    for name in names:
        img = made[name] = shrink(img, fit(shown, SIZES[name]))
    sizes |= made
    return _webps(made, icc, trial_under=trial_under)


def _webps(sizes: dict[str, Image.Image], icc: bytes | None, *,
           trial_under: int | None) -> dict[str, Variant]:
    made = {f"{name}.webp": Variant(encode.webp(img, icc), "image/webp", *img.size)
            for name, img in sizes.items()}
    if trial_under is not None:
        trial = made.get(f"{TRIAL}.webp")
        if trial is not None and len(trial.data) < trial_under:
            made |= _avif(TRIAL, sizes[TRIAL], icc, len(trial.data))
    return made


def _avif(name: str, img: Image.Image, icc: bytes | None, webp_size: int) -> dict[str, Variant]:
    data = encode.avif_if_smaller(img, icc, webp_size)
    return {} if data is None else {f"{name}.avif": Variant(data, "image/avif", *img.size)}
