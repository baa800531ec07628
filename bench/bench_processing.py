"""Time `process_image` on large inputs: python bench/bench_processing.py [--repeat N].

Each case runs in its own process so peak memory (VmHWM) belongs to that case alone; "extra"
is the peak minus the process's resident size before the first call (interpreter, imports).
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pillow_heif
from inputs import photo_like, screenshot

pillow_heif.register_heif_opener()


def make(case: str) -> bytes:
    buf = io.BytesIO()
    if case == "jpeg-24mp":
        photo_like((6000, 4000)).save(buf, "JPEG", quality=90)
    elif case == "png-12mp":
        photo_like((4000, 3000)).save(buf, "PNG")
    elif case == "png-screenshot-2560x1440":
        screenshot((2560, 1440)).save(buf, "PNG")
    elif case == "gif-100x480x270":
        base = photo_like((480, 270)).quantize(256)
        frames = [base.rotate(i * 3.6) for i in range(100)]
        frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    elif case == "heic-12mp":
        photo_like((4000, 3000)).save(buf, "HEIF", quality=80)
    else:
        raise SystemExit(f"unknown case {case}")
    return buf.getvalue()


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def run_case(case: str, path: str, repeat: int) -> None:
    from app.images.processing.pipeline import process_image

    size_kb = os.path.getsize(path) // 1024
    before_kb = _status_kb("VmRSS")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = process_image(path)
        times.append(time.perf_counter() - start)
    peak_kb = _status_kb("VmHWM")
    sizes = ", ".join(
        f"{k} {v.width}x{v.height} {len(v.data) // 1024} KiB" for k, v in result.variants.items()
    )
    print(
        f"{case}: input {size_kb} KiB, best {min(times):.2f}s, median "
        f"{sorted(times)[len(times) // 2]:.2f}s, peak RSS {peak_kb // 1024} MiB "
        f"(extra {(peak_kb - before_kb) // 1024} MiB)\n    {sizes}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", nargs=2, metavar=("NAME", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(*args.case, args.repeat)
        return
    print(f"cores: {len(os.sched_getaffinity(0))}")
    with tempfile.TemporaryDirectory() as tmp:
        cases = (
            "jpeg-24mp",
            "png-12mp",
            "png-screenshot-2560x1440",
            "gif-100x480x270",
            "heic-12mp",
        )
        for case in cases:
            path = os.path.join(tmp, case)
            with open(path, "wb") as fp:
                fp.write(make(case))
            command = [sys.executable, __file__, "--case", case, path, "--repeat", str(args.repeat)]
            subprocess.run(command, check=True)  # noqa: S603 - runs this very script


if __name__ == "__main__":
    main()
