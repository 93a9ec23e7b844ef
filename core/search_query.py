"""What a member typed, made safe to search with, and the highlighted snippets shown back to them."""

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from django.contrib.postgres.search import SearchQuery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.search import SEARCH_CONFIG

MAX_QUERY_LENGTH = 200  # characters; longer text is refused with a message
# ts_headline's markers: control characters that cleaning removes from every query and that the snippet
# code turns into <mark> after escaping the text, so no markup from the content ever reaches the page.
START, STOP = "\x02", "\x03"
_WORDS = re.compile(r'-?"[^"]*"?|\S+')
# Markdown's links ("[text](url)" becomes "text"), emphasis marks and line-start heading and quote marks,
# left out of snippets. The same
# patterns run in PostgreSQL (POSIX regular expressions) before ts_headline cuts the text.
MARKDOWN_LINK = r"!?\[([^]]*)\]\([^)]*\)"
MARKDOWN_MARKS = r"[*`~]+|(?:^|\n)[ \t]*(?:#+|>)[ \t]"  # emphasis, code; headings and quotes
_MARKDOWN_NOISE = re.compile(f"{MARKDOWN_MARKS}|{MARKDOWN_LINK}")
# The same matches for Python's re, which tries every alternative of _MARKDOWN_NOISE at every character
# (one of them can start with "^", a position rather than a character). Here each alternative starts with
# a character of its own, so re skips to the next of those characters (a few times faster on a page of
# long texts), and the very start of the text, the one place "^" matches, is looked at apart.
_NOISE_AT_START = re.compile(r"[ \t]*(?:#+|>)[ \t]")
_NOISE_AFTER_START = re.compile(
    r"\*[*`~]*|`[*`~]*|~[*`~]*|\n[ \t]*(?:#+|>)[ \t]|!\[([^]]*)\]\([^)]*\)|\[([^]]*)\]\([^)]*\)"
)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def clean(text: str) -> str:
    """Control characters (NUL included: PostgreSQL refuses it in text) become spaces; spaces collapse."""
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Cs") else char for char in text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Terms:
    """A cleaned query. PostgreSQL reads it with websearch_to_tsquery (quoted phrases, `or`, `-word`),
    which accepts any text without error. SQLite gets the same syntax, simplified: each word or quoted
    phrase must appear, `-word` must not, `or` is ignored."""

    text: str

    def __bool__(self) -> bool:
        return bool(self.text)

    @cached_property
    def postgres(self) -> SearchQuery:
        return SearchQuery(self.text, search_type="websearch", config=SEARCH_CONFIG)

    @cached_property
    def _parsed(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        wanted, unwanted = [], []
        for token in _WORDS.findall(self.text.lower()):
            negative = token.startswith("-")
            word = token.lstrip("-").strip('"').strip()
            if not word or word == "or":
                continue
            (unwanted if negative else wanted).append(word)
        return tuple(wanted), tuple(unwanted)

    @property
    def wanted(self) -> tuple[str, ...]:
        return self._parsed[0]

    @property
    def unwanted(self) -> tuple[str, ...]:
        return self._parsed[1]

    def sqlite_forms(self, word: str) -> set[str]:
        """What `word` may look like in SQLite's stored text, whose LOWER() lower-cases ASCII letters only:
        "École" is stored as "École", "école" as "école"; either is found however it is typed."""
        return {_ascii_lower(word.lower()), _ascii_lower(word.upper())}

    @cached_property
    def words_first(self) -> SearchQuery | None:
        """PostgreSQL, for a query with a quoted phrase of several words (and no `or`): every positive word,
        in any order. Any document the whole query matches also matches this, and the GIN index answers it
        without reading the documents, whereas a phrase makes PostgreSQL read each document holding all its
        words to check their positions. So the phrase is checked only in the newest matches of its words
        (core.providers.search.newest_matching). None when the query has no such phrase."""
        tokens = _WORDS.findall(self.text.lower())
        if "or" in tokens:  # either side may match: no single set of words is in every match
            return None
        positive = [token.strip('"') for token in tokens if not token.startswith("-")]
        if not any(token.startswith('"') and len(token.strip('"').split()) > 1 for token in tokens):
            return None
        return SearchQuery(" ".join(positive), search_type="plain", config=SEARCH_CONFIG)

    @property
    def plain(self) -> str:
        """The words without operators, for name matching (people, community names)."""
        return " ".join(self.wanted)


def _plain(text: str) -> str:
    """The text without Markdown's links and marks (_MARKDOWN_NOISE: a link becomes its text, a mark a
    space), its whitespace collapsed."""
    if start := _NOISE_AT_START.match(text):
        text = " " + text[start.end() :]
    text = _NOISE_AFTER_START.sub(lambda match: match.group(1) or match.group(2) or " ", text)
    return " ".join(text.split())


def marked(headline: str, source: str | None = None, *, markdown: bool = True) -> SafeString:
    """ts_headline's output as safe HTML: the text escaped, each marked match a <mark>, and "…" where the
    snippet starts after the beginning of its `source` or stops before its end. `markdown=False` for plain
    text (titles, names), which keeps every character."""
    headline = _plain(headline) if markdown else " ".join(headline.split())
    html = escape(headline)
    html = html.replace(START, "<mark>").replace(STOP, "</mark>")
    # A marker the text cut in half (a fragment boundary) must not leave an open element.
    if html.count("<mark>") != html.count("</mark>"):
        html = html.replace("<mark>", "").replace("</mark>", "")
    if source is not None and html:
        words = headline.replace(START, "").replace(STOP, "")
        text = _plain(source)
        html = (
            f"{'' if text.startswith(words[:40]) else '… '}{html}{'' if text.endswith(words[-40:]) else ' …'}"
        )
    return mark_safe(html)  # noqa: S308 -- escaped above; only our own <mark> added


def excerpt(text: str, words: tuple[str, ...], length: int = 220, *, markdown: bool = True) -> SafeString:
    """SQLite's snippet: the text around the first match, with every match marked."""
    text = _plain(text) if markdown else " ".join(text.split())
    lowered = text.lower()
    positions = [lowered.find(word) for word in words if word and lowered.find(word) >= 0]
    start = max(0, min(positions) - length // 3) if positions else 0
    piece = text[start : start + length]
    prefix = "… " if start else ""
    suffix = " …" if start + length < len(text) else ""
    wanted = sorted({word for word in words if word}, key=len, reverse=True)
    if not wanted:
        return mark_safe(f"{prefix}{escape(piece)}{suffix}")  # noqa: S308 -- escaped
    pattern = re.compile("|".join(re.escape(word) for word in wanted), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(piece):
        parts.extend([escape(piece[last : match.start()]), f"<mark>{escape(match.group())}</mark>"])
        last = match.end()
    parts.append(escape(piece[last:]))
    html = "".join(parts)
    return mark_safe(f"{prefix}{html}{suffix}")  # noqa: S308 -- escaped above; only our own <mark> added
