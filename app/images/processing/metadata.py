"""Lossless metadata removal by container surgery: the compressed pixels are copied verbatim.

Each function takes the bytes of a file Pillow has already decoded successfully and returns a
copy that keeps only what rendering needs (allowlists, so unknown vendor blocks are dropped
too). Anything after the end of the image (MPO secondary pictures, "motion photo" videos,
appended archives) is dropped. A structure these parsers cannot follow raises ValueError;
quirks decoders tolerate (stray bytes between JPEG segments, a missing PNG IEND) are tolerated.
"""

import re
import struct

from PIL import ExifTags, Image

# --- JPEG ---------------------------------------------------------------------------------

# APPn segments kept, by marker and signature: JFIF (pixel aspect), ICC profile (colour) and
# Adobe (colour transform, needed to decode CMYK/YCCK). Exif, XMP, IPTC/Photoshop, MPF, JFXX
# thumbnails, FlashPix and vendor segments are dropped, as are COM comments.
_JPEG_KEEP_APP = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
# End of entropy-coded data: 0xFF followed by anything but stuffing (00), RSTn or fill (FF).
_JPEG_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def orientation_exif(orientation: int) -> bytes:
    """A minimal Exif block (with the `Exif\\0\\0` header) holding only the Orientation tag."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    return exif.tobytes()


def strip_jpeg(data: bytes, orientation: int = 1) -> bytes:
    """Drop metadata segments from a JPEG without re-encoding it.

    When `orientation` is not 1, a bare Exif APP1 carrying only that Orientation is inserted
    after SOI/JFIF, so browsers keep showing the picture upright.
    """
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    pending_exif = b""
    if orientation != 1:
        payload = orientation_exif(orientation)
        pending_exif = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    try:
        return _copy_jpeg_segments(data, pending_exif)
    except IndexError:
        raise ValueError("JPEG is truncated") from None


def _copy_jpeg_segments(data: bytes, pending_exif: bytes) -> bytes:
    out = [b"\xff\xd8"]
    pos = 2
    while True:
        if data[pos] != 0xFF:  # stray bytes between segments: skipped, as libjpeg does
            pos = data.index(b"\xff", pos)
        while data[pos] == 0xFF:  # fill bytes may precede a marker
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI: whatever follows is not part of this picture
            out.append(b"\xff\xd9")
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out.append(bytes((0xFF, marker)))
            continue
        (length,) = struct.unpack_from(">H", data, pos)
        end = pos + length
        if length < 2 or end > len(data):
            raise ValueError("JPEG segment runs past the end of the file")
        segment = bytes((0xFF, marker)) + data[pos:end]
        is_app = 0xE0 <= marker <= 0xEF
        signature = _JPEG_KEEP_APP.get(marker) if is_app else None
        keep = marker != 0xFE and (
            not is_app or (signature is not None and data.startswith(signature, pos + 2))
        )
        if pending_exif and not (marker == 0xE0 and keep):
            out.append(pending_exif)
            pending_exif = b""
        if keep:
            out.append(segment)
        pos = end
        if marker == 0xDA:  # SOS: copy the entropy-coded data up to the next real marker
            match = _JPEG_SCAN_END.search(data, pos)
            if match is None:
                raise ValueError("JPEG scan is truncated")
            out.append(data[pos : match.start()])
            pos = match.start()


# --- PNG / APNG ---------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Chunks that affect how the image looks (colour, transparency, HDR, pixel aspect) and the
# APNG animation chunks. Text (tEXt/zTXt/iTXt, which also carry XMP), eXIf, tIME, sPLT, hIST
# and private chunks such as C2PA manifests are dropped.
_PNG_KEEP = frozenset(
    [b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB"]
    + [b"cICP", b"mDCV", b"cLLI", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT"]
)


def strip_png(data: bytes) -> bytes:
    """Keep only the rendering chunks of a PNG or APNG; chunk bytes (and CRCs) are copied."""
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    out = [_PNG_SIGNATURE]
    pos = len(_PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > len(data):
            break
        if kind in _PNG_KEEP:
            out.append(data[pos:end])
        if kind == b"IEND":
            return b"".join(out)
        pos = end
    # No IEND, or a partial chunk after the image data: the decoder accepted the file, so
    # the picture is complete; end it properly.
    return b"".join(out) + _PNG_IEND


# --- GIF ----------------------------------------------------------------------------------

# Application extensions kept: loop count (NETSCAPE2.0 / ANIMEXTS1.0) and an ICC profile.
# Comments, XMP ("XMP DataXMP") and other application blocks are dropped, and so is the
# plain-text extension, which browsers do not render.
_GIF_LOOP_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _gif_kept_extension(block: bytes) -> bytes:
    """The part of an extension block worth keeping, rebuilt to its canonical form so that
    extra sub-blocks (which could carry anything) are not copied; b"" to drop it."""
    label = block[1]
    if label == 0xF9 and block[2] == 4:  # graphic control: timing, disposal, transparency
        return block[:7] + b"\x00"
    if label == 0xFF and block[2] == 11:
        identifier = block[3:14]
        if identifier in _GIF_LOOP_APPS and block[14:16] == b"\x03\x01":
            return block[:18] + b"\x00"  # the loop-count sub-block only
        if identifier == b"ICCRGBG1012":
            return block
    return b""


def _gif_sub_blocks_end(data: bytes, pos: int) -> int:
    """Offset just past the data sub-blocks starting at `pos` (ended by a zero length)."""
    while True:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def _walk_gif(data: bytes, max_frames: int | None) -> tuple[list[bytes], int]:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("not a GIF")
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    kept = [data[:pos]]
    frames = 0
    try:
        while pos < len(data):
            introducer = data[pos]
            if introducer == 0x3B:  # trailer
                break
            if introducer == 0x2C:  # image descriptor, optional local colour table, LZW data
                frames += 1
                if max_frames is not None and frames > max_frames:
                    break
                local = data[pos + 9]
                start = pos
                pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0) + 1
                pos = _gif_sub_blocks_end(data, pos)
                kept.append(data[start:pos])
            elif introducer == 0x21:
                start = pos
                pos = _gif_sub_blocks_end(data, pos + 2)
                block = _gif_kept_extension(data[start:pos])
                if block:
                    kept.append(block)
            else:  # stray byte: skipped (and not copied), as decoders do
                pos += 1
    except IndexError:
        raise ValueError("GIF is truncated") from None
    if pos > len(data):
        raise ValueError("GIF is truncated")
    kept.append(b";")
    return kept, frames


def strip_gif(data: bytes) -> bytes:
    """Rebuild a GIF from its screen descriptor, frames and kept extensions."""
    return b"".join(_walk_gif(data, None)[0])


def gif_frame_count(data: bytes, limit: int) -> int:
    """Number of frames in a GIF, counting at most `limit + 1` (so huge counts stay cheap)."""
    return _walk_gif(data, limit)[1]


# --- WebP ---------------------------------------------------------------------------------

_WEBP_KEEP = (b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L")
_WEBP_FRAME_KEEP = (b"ALPH", b"VP8 ", b"VP8L")
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _riff_chunks(data: bytes, pos: int, end: int):
    while pos + 8 <= end:
        kind, size = struct.unpack_from("<4sI", data, pos)
        stop = pos + 8 + size
        if stop > end:
            raise ValueError("WebP chunk runs past the end of the file")
        yield kind, data[pos + 8 : stop]
        pos = stop + (size & 1)


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def strip_webp(data: bytes) -> bytes:
    """Drop EXIF/XMP (and unknown) chunks from a WebP, clear their VP8X flags, fix sizes."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    end = min(len(data), 8 + struct.unpack_from("<I", data, 4)[0])
    chunks = []
    for kind, payload in _riff_chunks(data, 12, end):
        if kind == b"VP8X":
            if len(payload) < 10:
                raise ValueError("WebP VP8X chunk is too short")
            payload = bytes([payload[0] & ~(_VP8X_EXIF | _VP8X_XMP)]) + payload[1:]
        elif kind == b"ANMF":  # 16-byte frame header, then the frame's own chunks
            frame = [c for c in _riff_chunks(payload, 16, len(payload)) if c[0] in _WEBP_FRAME_KEEP]
            payload = payload[:16] + b"".join(_riff_chunk(k, p) for k, p in frame)
        elif kind not in _WEBP_KEEP:
            continue
        chunks.append(_riff_chunk(kind, payload))
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_is_lossless(data: bytes) -> bool:
    """True when the (still) WebP's bitstream is VP8L, i.e. lossless."""
    end = min(len(data), 8 + struct.unpack_from("<I", data, 4)[0])
    return any(kind == b"VP8L" for kind, _ in _riff_chunks(data, 12, end))
