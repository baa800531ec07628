"""Files made inside the page and handed to it the ways a person does: pasting, dropping,
picking. Playwright's `set_input_files` covers the picker; pasting and dropping need a
`DataTransfer` built in the page, so these run JavaScript there."""

import io
import os

from PIL import Image

# Builds `count` PNGs (a canvas in `color`) or, with `bytes`, blank files of that size.
_MAKE_FILES = """
async function makeFiles({names, color, bytes, type}) {
  const files = [];
  for (const name of names) {
    let blob;
    if (bytes) {
      blob = new Blob([new Uint8Array(bytes)], {type});
    } else {
      const canvas = document.createElement("canvas");
      canvas.width = 160; canvas.height = 90;
      const context = canvas.getContext("2d");
      context.fillStyle = color; context.fillRect(0, 0, 160, 90);
      context.fillStyle = "#fff"; context.fillText(name, 10, 50);
      blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    }
    files.push(new File([blob], name, {type: type || blob.type}));
  }
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  return transfer;
}
"""


def _run(page, action: str, **spec) -> None:
    spec = {"names": ["image.png"], "color": "#2f6fed", "bytes": 0, "type": "", **spec}
    page.evaluate(f"async (spec) => {{ {_MAKE_FILES}\n const transfer = await makeFiles(spec);"
                  f"\n {action} }}", spec)


def paste(page, **spec) -> None:
    """Ctrl+V of an image: a paste event whose clipboard holds the files."""
    _run(page, "document.dispatchEvent(new ClipboardEvent('paste', "
               "{clipboardData: transfer, bubbles: true, cancelable: true}));", **spec)


def drag_over(page, **spec) -> None:
    """Files dragged into the window, not yet dropped."""
    _run(page, "for (const type of ['dragenter', 'dragover']) document.body.dispatchEvent("
               "new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));",
         **spec)


def drop(page, **spec) -> None:
    """Files dragged over the page and dropped on it."""
    _run(page, "for (const type of ['dragenter', 'dragover', 'drop']) "
               "document.querySelector('main').dispatchEvent(new DragEvent(type, "
               "{dataTransfer: transfer, bubbles: true, cancelable: true}));", **spec)


def pick(page, **spec) -> None:
    """Files chosen with the file picker, made in the page (no bytes travel from here:
    `bytes=51 * 2**20` costs nothing)."""
    _run(page, "const input = document.querySelector('#upload-files');"
               "input.files = transfer.files;"
               "input.dispatchEvent(new Event('change', {bubbles: true}));", **spec)


def noise_png(side: int = 180) -> bytes:
    """A PNG of random pixels: it does not compress, so its size is about side² x 3 bytes."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()
