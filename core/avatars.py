"""A person's picture: their photo, or their initials on a colour of their own (from their handle, so it is
the same on every page), never a blank circle. Plain values in, HTML out, so templates (profiles'
`{% avatar %}` tag) and rows written in Python (feed, members lists, cached posts) draw it alike.

The colours are GOV.UK Frontend's darker ones: white initials on each have a contrast of at least 4.5:1
(WCAG 2.2 AA for text of any size; tests/core/test_avatars.py checks it). The picture is decoration beside
the name it stands for: empty alt text, hidden from assistive technology.
"""

import unicodedata
import zlib

from django.utils.html import format_html
from django.utils.safestring import SafeString

# Background of the initials (classes khub-avatar--colour-N in static/scss/_people.scss, in this order).
COLOURS = ("#1d70b8", "#00703c", "#4c2c92", "#912b88", "#0b0c0c", "#003078", "#505a5f", "#942514")
SIZES = {"xs": 24, "s": 32, "m": 56, "l": 120}  # pixels: author lines, lists and cards, the profile heading


def initials(name: str) -> str:
    """The first letters of the first and last words of a name ("Fatima Al-Rahman" → "FA"), upper-cased;
    one for a one-word name; "?" for a name without a letter."""
    words = [word for word in name.split() if any(char.isalpha() for char in word)]
    if not words:
        return "?"
    firsts = [next(char for char in word if char.isalpha()) for word in (words[0], words[-1])]
    letters = firsts[0] if len(words) == 1 else "".join(firsts)
    return unicodedata.normalize("NFC", letters).upper()


def colour_index(key: str) -> int:
    """A stable colour for a person (their handle): the same on every page, process and machine."""
    return zlib.crc32(key.encode()) % len(COLOURS)


def avatar_html(*, name: str, key: str, url: str = "", size: str = "s") -> SafeString:
    """The photo at `url`, or the initials of `name` on the colour of `key`, `size` one of SIZES."""
    pixels = SIZES[size]
    if url:
        return format_html(
            '<img class="khub-avatar khub-avatar--{}" src="{}" alt="" width="{}" height="{}" loading="lazy">',
            size, url, pixels, pixels,
        )  # fmt: skip
    return format_html(
        '<span class="khub-avatar khub-avatar--{} khub-avatar--initials khub-avatar--colour-{}" '
        'aria-hidden="true">{}</span>',
        size, colour_index(key), initials(name),
    )  # fmt: skip
