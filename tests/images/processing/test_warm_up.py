"""What a server loads before it forks its workers: the pipeline's modules and codecs, and no
thread a worker would wait on."""

import subprocess
import sys
import textwrap

BOUND = 60  # seconds: only catches a hang


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, check=True, timeout=BOUND).stdout


def test_after_the_warm_up_an_upload_loads_nothing_more(tmp_path):
    photo = tmp_path / "photo.png"
    # A picture unlike the warm-up's: another format, big enough for every size and AVIF.
    from tests.images.samples import screenshot
    photo.write_bytes(screenshot((2560, 1440)))
    out = run(f"""
        import sys
        from app.images.processing import pipeline
        pipeline.warm_up()
        before = set(sys.modules)
        processed = pipeline.process_image({str(photo)!r})
        assert "thumb.avif" in processed.variants, sorted(processed.variants)
        print(sorted(set(sys.modules) - before))
    """)
    assert out.strip() == "[]"


def test_a_forked_worker_makes_its_own_band_threads():
    out = run("""
        import os
        from PIL import Image
        from app.images.processing import pixels
        from app.images.processing.pixels import shrink
        picture = Image.new("RGB", (2000, 1500), "teal")
        shrink(picture, (1600, 1200), bands=2)  # the parent's threads exist now
        child = os.fork()
        if child == 0:
            assert pixels._band_pool.cache_info().currsize == 0  # none of the parent's
            shrink(picture, (1600, 1200), bands=2)  # would wait for ever on the parent's
            os._exit(0 if pixels._band_pool.cache_info().currsize == 1 else 3)
        print(os.waitpid(child, 0)[1])
    """)
    assert out.strip() == "0"
