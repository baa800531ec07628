"""Page weight and request count of a 30-image gallery page in Chromium, cold and warm.

A fresh server gets 30 distinct photos (800x600 JPEG) for one user; headless Chromium
(/usr/bin/chromium through Playwright) signs in with that user's cookies, opens /gallery
with an empty cache (cold), scrolls to the bottom so every lazy thumbnail loads, then opens
it again in the same tab (warm). Chromium's DevTools protocol counts the requests that went
to the network and the bytes that crossed it (headers included, as transferred: compressed
where the server compressed). It also lists what text assets would weigh uncompressed.

    .venv/bin/python bench/bench_page_weight.py
"""

import argparse
import gzip
import io
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_client import Session, upload_bytes
from servers import PixvaultServer, exit_on_sigterm

CHROMIUM = "/usr/bin/chromium"


def photo(seed: int) -> bytes:
    """An 800x600 JPEG with gradients and shapes: compresses like a photo, not like a flat
    colour, and each seed gives different bytes (no duplicates)."""
    rng = random.Random(seed)  # noqa: S311 - test pictures, not secrets
    image = Image.linear_gradient("L").resize((800, 600)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(800), rng.randrange(600)
        color = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)), fill=color)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class NetworkLog:
    """Requests that reached the network, and bytes transferred, from DevTools events."""

    def __init__(self, cdp):
        self.requests: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.send("Network.enable")

    def _sent(self, event):
        self.requests[event["requestId"]] = {"url": event["request"]["url"], "bytes": 0,
                                             "cached": False, "status": None, "type": ""}

    def _received(self, event):
        entry = self.requests.get(event["requestId"])
        if entry:
            response = event["response"]
            entry["cached"] = (entry["cached"] or response.get("fromDiskCache")
                               or response.get("fromMemoryCache"))
            entry["status"] = response["status"]
            entry["type"] = response.get("mimeType", "")
            entry["encoding"] = {k.lower(): v for k, v in response["headers"].items()
                                 }.get("content-encoding", "")

    def _from_cache(self, event):
        entry = self.requests.get(event["requestId"])
        if entry:
            entry["cached"] = True

    def _finished(self, event):
        entry = self.requests.get(event["requestId"])
        if entry:
            entry["bytes"] = event["encodedDataLength"]

    def take(self) -> list[dict]:
        """The requests seen since the last call."""
        seen, self.requests = list(self.requests.values()), {}
        return seen


def summary(label: str, requests: list[dict]) -> None:
    network = [r for r in requests if not r["cached"]]
    print(f"\n{label}: {len(network)} requests to the network "
          f"({len(requests) - len(network)} answered from the browser cache), "
          f"{sum(r['bytes'] for r in network) / 1024:.1f} KiB transferred")
    for r in sorted(network, key=lambda r: r["url"]):
        path = r["url"].split("127.0.0.1", 1)[-1].split("/", 1)[-1]
        print(f"  {r['status']} {r['bytes'] / 1024:7.1f} KiB  {r['encoding'] or '-':5} /{path}")


def raw_sizes(session: Session, requests: list[dict]) -> None:
    """What the text assets (HTML, CSS, JS) weigh uncompressed, and gzipped."""
    print("\ntext assets, uncompressed -> gzip (level 6, as served):")
    for r in requests:
        if not any(kind in r["type"] for kind in ("html", "css", "javascript")):
            continue
        path = "/" + r["url"].split("127.0.0.1", 1)[-1].split("/", 1)[-1]
        _, _, body = session.request("GET", path)
        print(f"  {len(body) / 1024:6.1f} KiB -> {len(gzip.compress(body, 6)) / 1024:5.1f} KiB  "
              f"{path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=30)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    exit_on_sigterm()
    with PixvaultServer() as server:
        server.createuser()
        session = Session(server.port)
        session.login()
        for seed in range(args.images):
            upload_bytes(session, photo(seed), f"photo-{seed}.jpg")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--disable-dev-shm-usage"])
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            context.add_cookies([{"name": name, "value": value, "url": server.base_url}
                                 for name, value in session.cookies.items()])
            page = context.new_page()
            log = NetworkLog(context.new_cdp_session(page))
            for label in ("cold (empty cache)", "warm (same tab, second visit)"):
                page.goto(server.base_url + "/gallery", wait_until="networkidle")
                page.mouse.wheel(0, 20_000)
                page.wait_for_load_state("networkidle")
                page.wait_for_function("[...document.images].every(i => i.complete)")
                seen = log.take()
                summary(label, seen)
                if label.startswith("cold"):
                    cold = seen
            raw_sizes(session, cold)
            browser.close()


if __name__ == "__main__":
    main()
