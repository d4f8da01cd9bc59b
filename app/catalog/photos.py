"""Store photos made kiosk-ready once, at import: a thumbnail for cards and a larger image for the details screen.

Both are JPEG (white behind any transparency), sized to fit inside 400×300 and 1024×768, so the kiosk never decodes
a multi-megabyte original while drawing; the originals are not needed afterwards.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

THUMB_SIZE = (400, 300)
LARGE_SIZE = (1024, 768)
JPEG_QUALITY = 84
MAX_PIXELS = 80_000_000  # a photo larger than this is refused rather than decoded (a "decompression bomb")


class PhotoRejected(Exception):
    """The bytes are not a picture Aisle can use; the message says why."""


@dataclass(frozen=True)
class Photo:
    thumb: bytes
    large: bytes
    width: int  # of the large image
    height: int


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False)
    return out.getvalue()


def make_photo(data: bytes) -> Photo:
    """The thumbnail and large image of a PNG/JPEG/WebP/GIF photo; PhotoRejected when it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            image: Image.Image = opened
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRejected(f"{image.width}×{image.height} pixels is too large a picture")
            opened.draft("RGB", LARGE_SIZE)  # JPEG: decode at a reduced scale straight away
            image = ImageOps.exif_transpose(image)
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise PhotoRejected(f"not a picture Aisle can read ({exc.__class__.__name__})") from exc
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    large = image
    large.thumbnail(LARGE_SIZE, Image.Resampling.LANCZOS, reducing_gap=2.0)
    thumb = large.copy()
    thumb.thumbnail(THUMB_SIZE, Image.Resampling.LANCZOS)
    return Photo(_jpeg(thumb), _jpeg(large), large.width, large.height)
