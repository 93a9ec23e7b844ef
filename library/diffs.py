"""What changed between two texts of a guide, line by line (Python's difflib), for the diff page and the
edit conflict: the changed lines with a few unchanged ones around them, as rows of a side-by-side table and
of an inline one.

Markdown keeps a paragraph on one line, so a changed line also says which of its words changed: those are
wrapped in <del> and <ins>, each with visually hidden words ("removed", "added"), so the change is not told
by colour alone. Every piece of text is HTML-escaped here; the templates print the lines' html as it is.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CONTEXT_LINES = 3  # unchanged lines shown around each change, as `diff -u` does
# Words of a changed line compared one by one only up to this many: past it the line is shown changed
# whole (SequenceMatcher's time grows with the product of the two lengths).
WORD_DIFF_MAX_WORDS = 2_000
_WORDS = re.compile(r"\s+|\w+|[^\w\s]")

EQUAL, ADDED, REMOVED = "equal", "added", "removed"
_TAGS = {ADDED: ("ins", "added: "), REMOVED: ("del", "removed: ")}


@dataclass(frozen=True)
class Line:
    """One line of one side: its number in that text, its html (escaped, changed words marked) and whether
    it was kept, added or removed."""

    number: int
    html: SafeString
    change: str


@dataclass(frozen=True)
class InlineLine:
    """A line of the inline view: its number in the older text, in the newer, or both (kept)."""

    old_number: int | None
    new_number: int | None
    html: SafeString
    change: str

    @property
    def number(self) -> int | None:
        return self.new_number

    @property
    def cells(self) -> tuple["InlineLine"]:
        """The row's text cells, as Row.cells: the template writes both views' rows with one loop."""
        return (self,)


@dataclass(frozen=True)
class Row:
    """A row of the side-by-side view: the older line beside the newer; None on a side that has none."""

    old: Line | None
    new: Line | None

    @property
    def cells(self) -> tuple[Line | None, Line | None]:
        return self.old, self.new


@dataclass
class Hunk:
    """Changed lines with their context, and how many unchanged lines were left out before them."""

    skipped_before: int
    rows: list[Row] = field(default_factory=list)
    inline: list[InlineLine] = field(default_factory=list)


@dataclass
class Diff:
    hunks: list[Hunk]
    skipped_after: int  # unchanged lines left out after the last hunk
    added: int  # lines
    removed: int

    @property
    def unchanged(self) -> bool:
        return not self.hunks


def _marked(pieces: list[tuple[str, bool]], change: str, *, said: bool = True) -> SafeString:
    """Escaped text, the pieces flagged True wrapped in <ins>/<del>, with their visually hidden word if
    `said` (a line added or removed whole says so once, in its row)."""
    tag, word = _TAGS.get(change, ("", ""))
    hidden = f'<span class="govuk-visually-hidden">{word}</span>' if said else ""
    out = []
    for text, changed in pieces:
        if changed and tag and text.strip():
            out.append(f"<{tag}>{hidden}{escape(text)}</{tag}>")
        else:
            out.append(escape(text))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text was escaped above


def _words_changed(old: str, new: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """The two lines as pieces, flagged where their words differ."""
    old_words, new_words = _WORDS.findall(old), _WORDS.findall(new)
    if len(old_words) > WORD_DIFF_MAX_WORDS or len(new_words) > WORD_DIFF_MAX_WORDS:
        return [(old, True)], [(new, True)]
    old_pieces, new_pieces = [], []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            old_pieces.append(("".join(old_words[i1:i2]), tag != "equal"))
        if j2 > j1:
            new_pieces.append(("".join(new_words[j1:j2]), tag != "equal"))
    return old_pieces, new_pieces


def _block(tag: str, old: list[str], new: list[str], i1: int, i2: int, j1: int, j2: int, hunk: Hunk) -> None:
    """One opcode's lines into the hunk's two views. A replaced block pairs its lines side by side (and
    compares their words); the lines one side has over the other stand alone."""
    if tag == "equal":
        for offset in range(i2 - i1):
            html = _marked([(old[i1 + offset], False)], EQUAL)
            hunk.rows.append(Row(Line(i1 + offset + 1, html, EQUAL), Line(j1 + offset + 1, html, EQUAL)))
            hunk.inline.append(InlineLine(i1 + offset + 1, j1 + offset + 1, html, EQUAL))
        return
    removed, added = [], []
    paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
    for offset in range(max(i2 - i1, j2 - j1)):
        if offset < paired:
            old_pieces, new_pieces = _words_changed(old[i1 + offset], new[j1 + offset])
        else:
            old_pieces = [(old[i1 + offset], True)] if i1 + offset < i2 else None
            new_pieces = [(new[j1 + offset], True)] if j1 + offset < j2 else None
        left = right = None
        said = offset < paired  # words within a line: each change says what it is
        if old_pieces is not None:
            left = Line(i1 + offset + 1, _marked(old_pieces, REMOVED, said=said), REMOVED)
            removed.append(InlineLine(left.number, None, left.html, REMOVED))
        if new_pieces is not None:
            right = Line(j1 + offset + 1, _marked(new_pieces, ADDED, said=said), ADDED)
            added.append(InlineLine(None, right.number, right.html, ADDED))
        hunk.rows.append(Row(left, right))
    hunk.inline.extend(removed + added)  # inline: the block's old lines, then its new ones


def diff_texts(old: str, new: str, *, context: int = CONTEXT_LINES) -> Diff:
    """The lines that differ between two texts, with `context` unchanged lines around each change."""
    old_lines, new_lines = (old or "").splitlines(), (new or "").splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    hunks, shown_to, added, removed = [], 0, 0, 0
    for group in matcher.get_grouped_opcodes(context):
        if all(tag == "equal" for tag, *_ in group):
            continue  # identical texts: difflib still gives one group of context
        hunk = Hunk(skipped_before=group[0][1] - shown_to)
        for tag, i1, i2, j1, j2 in group:
            _block(tag, old_lines, new_lines, i1, i2, j1, j2, hunk)
            if tag != "equal":
                removed += i2 - i1
                added += j2 - j1
        shown_to = group[-1][2]
        hunks.append(hunk)
    skipped_after = len(old_lines) - shown_to if hunks else 0
    return Diff(hunks=hunks, skipped_after=skipped_after, added=added, removed=removed)


def diff_titles(old: str, new: str) -> tuple[SafeString, SafeString] | None:
    """The two titles with their changed words marked, or None if they are the same."""
    if old == new:
        return None
    old_pieces, new_pieces = _words_changed(old, new)
    return _marked(old_pieces, REMOVED), _marked(new_pieces, ADDED)
