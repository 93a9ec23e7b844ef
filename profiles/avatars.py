"""Avatar uploads: hostile until proven an image, then re-encoded so that only our own bytes are stored.

The upload is checked by content, never by its name or declared type: it must be a JPEG, PNG, GIF or WebP
that Pillow can decode, at most MAX_UPLOAD_BYTES and MAX_PIXELS. The first frame is then turned upright
(EXIF orientation), shrunk to fit AVATAR_SIZE and written as WebP: metadata (GPS position, camera) and
anything smuggled after the image data are dropped on the way.
"""

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 12-megapixel phone photo fits three times over
AVATAR_SIZE = 400  # stored at most 400 x 400 pixels: enough for 2x screens at the 120px shown
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")  # Pillow's names; only these decoders are ever tried

# Process-wide: Pillow warns about images over this many pixels and refuses those over twice as many
# (DecompressionBombError) before decoding anything. avatar_prepare turns the warning into a refusal too.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ERROR_EMPTY = "The selected file is empty"
ERROR_TOO_BIG = "The selected file must be smaller than 5MB"
ERROR_TYPE = "The selected file must be a JPG, PNG, GIF or WebP image"
ERROR_PIXELS = "The selected image must be smaller than 40 megapixels, for example 7000 by 5000 pixels"


def avatar_prepare(*, upload: UploadedFile) -> ContentFile:
    """The avatar to store for an upload, as WebP bytes; ValidationError with a GOV.UK message if unfit."""
    if not upload.size:
        raise ValidationError(ERROR_EMPTY, code="empty")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(ERROR_TOO_BIG, code="too_big")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return ContentFile(_reencode(upload))
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(ERROR_PIXELS, code="too_many_pixels") from None
        except Exception:
            # Whatever a hostile or broken file makes a decoder raise (OSError, SyntaxError, ValueError,
            # struct.error, ...), the answer to the member is the same: this is not an image we take.
            raise ValidationError(ERROR_TYPE, code="not_an_image") from None


def _reencode(upload: UploadedFile) -> bytes:
    # First pass: identify by content and check the header's dimensions before any pixel is decoded.
    upload.seek(0)
    with Image.open(upload, formats=FORMATS) as probe:
        if probe.width * probe.height > MAX_PIXELS:
            raise ValidationError(ERROR_PIXELS, code="too_many_pixels")
        probe.verify()  # structure and checksums; the image cannot be used after this, so reopen
    upload.seek(0)
    with Image.open(upload, formats=FORMATS) as image:
        if image.format == "JPEG":
            image.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))  # decode a photo at 1/2..1/8 scale
        image.load()
        upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    upright = upright.convert("RGBA" if has_alpha else "RGB")
    upright.thumbnail((AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, format="WEBP", quality=85, method=4)  # no exif= or icc_profile=: metadata dropped
    return out.getvalue()
