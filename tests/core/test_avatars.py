"""core.avatars: a photo or initials on a colour of the person's own, readable by WCAG 2.2 AA."""

import re

import pytest

from core.avatars import COLOURS, SIZES, avatar_html, colour_index, initials


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("colour", COLOURS)
def test_white_initials_on_every_colour_pass_wcag_aa_for_text(colour):
    assert _contrast("#ffffff", colour) >= 4.5


def test_the_stylesheet_has_the_same_colours_in_the_same_order_and_the_same_sizes():
    with open("static/scss/_people.scss", encoding="utf-8") as scss:
        text = scss.read()
    listed = re.search(r"\$khub-avatar-colours: \(([^)]*)\)", text).group(1)
    assert tuple(colour.strip() for colour in listed.split(",")) == COLOURS
    sizes = dict(re.findall(r'"(\w+)": \((\d+)px, \d+px\)', text))
    assert {name: int(pixels) for name, pixels in sizes.items()} == SIZES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Fatima Rahman", "FR"),
        ("Fatima Al-Rahman", "FA"),
        ("Mary Ann de la Cruz", "MC"),
        ("Cher", "C"),
        ("  priya   shah ", "PS"),
        ("Éanna Ó Súilleabháin", "ÉS"),
        ("Former member", "FM"),
        ("(Dr) 3 Owen", "DO"),
        ("42", "?"),
        ("", "?"),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected


def test_a_colour_is_the_same_for_a_handle_wherever_and_differs_between_people():
    assert colour_index("priya-shah") == colour_index("priya-shah")
    assert len({colour_index(f"person-{n}") for n in range(100)}) == len(COLOURS)


def test_without_a_photo_the_initials_on_the_handles_colour_hidden_from_screen_readers():
    html = avatar_html(name="Priya <Shah>", key="priya-shah", size="m")

    assert f"khub-avatar--colour-{colour_index('priya-shah')}" in html
    assert "khub-avatar--m" in html
    assert 'aria-hidden="true">PS</span>' in html
    assert "<Shah>" not in html


def test_a_photo_has_empty_alt_text_and_its_size():
    html = avatar_html(name="Priya Shah", key="priya-shah", url='/people/priya-shah/avatar/a.webp?x="1"')

    assert html.startswith('<img class="khub-avatar khub-avatar--s"')
    assert 'alt=""' in html
    assert f'width="{SIZES["s"]}" height="{SIZES["s"]}"' in html
    assert "&quot;1&quot;" in html  # the address escaped
    assert "PS" not in html
