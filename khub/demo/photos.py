"""Photos for a few demo colleagues, drawn here with Pillow (nothing downloaded): a gradient
between two colours of the person's own, a few soft circles, and their initials, so that the hub shows
both kinds of picture (photos and initials) as it would with real members.

The image goes in as an upload would (a PNG through profiles.avatars.avatar_prepare, which re-encodes it
as WebP) and is stored by profiles.services.profile_update, as the profile settings form stores one.
"""

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from core.avatars import initials
from profiles.avatars import avatar_prepare

SIZE = 400
# Pairs of colours for the gradients: muted, so the white initials stay readable on them.
PALETTES = (
    ((29, 112, 184), (0, 48, 120)),
    ((0, 112, 60), (0, 77, 64)),
    ((76, 44, 146), (145, 43, 136)),
    ((148, 37, 20), (212, 53, 28)),
    ((80, 90, 95), (11, 12, 12)),
)


def portrait_png(*, name: str, seed: int) -> bytes:
    """A SIZE x SIZE PNG for `name`: the same drawing for the same name and seed."""
    rng = random.Random(f"{name}:{seed}")
    start, end = PALETTES[seed % len(PALETTES)]
    # Top to bottom from one colour to the other: Pillow's 256-step ramp, scaled, as the mask.
    ramp = Image.linear_gradient("L").resize((SIZE, SIZE))
    image = Image.composite(Image.new("RGB", (SIZE, SIZE), end), Image.new("RGB", (SIZE, SIZE), start), ramp)
    overlay = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(5):
        radius = rng.randint(40, 140)
        x, y = rng.randint(0, SIZE), rng.randint(0, SIZE)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255, 36))
    image = Image.alpha_composite(image.convert("RGBA"), overlay)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=150)
    draw.text((SIZE / 2, SIZE / 2), initials(name), fill=(255, 255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG")
    return out.getvalue()


def portrait_upload(*, name: str, seed: int):
    """The portrait as profile_update takes an avatar: re-encoded by avatar_prepare, as an upload is."""
    upload = SimpleUploadedFile("portrait.png", portrait_png(name=name, seed=seed), content_type="image/png")
    return avatar_prepare(upload=upload)
