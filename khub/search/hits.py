"""A page of results: the rows re-fetched by id through the same permission filters, each with its title
and a snippet highlighted (ts_headline on PostgreSQL, a plain excerpt on SQLite)."""

from django.contrib.postgres.search import SearchHeadline
from django.db.models import Func, TextField, Value
from django.db.models.functions import Concat

from communities.models import Post
from communities.permissions import readable_community_ids, visible_communities
from core.search import SEARCH_CONFIG
from khub.search.kinds import COMMUNITIES, CONVERSATIONS, PEOPLE, PRACTICE
from khub.search.matching import community_shown, postgres
from khub.search.query import MARKDOWN_LINK, MARKDOWN_MARKS, START, STOP, Terms, excerpt, marked
from practice.models import RECORD_SECTIONS
from practice.permissions import listed_stories
from profiles.permissions import visible_people

# The text a snippet is cut from: what each kind's document holds apart from its title.
STORY_SNIPPET_FIELDS = ("summary", *(name for name, _heading in RECORD_SECTIONS))
COMMUNITY_SNIPPET_FIELDS = ("description", "about")


def _joined(names) -> Concat:
    parts = []
    for name in names:
        parts.extend([name, Value(" ")])
    return Concat(*parts[:-1], output_field=TextField())


def _unmarked(source):
    """The text with any highlight marker characters it holds itself turned into spaces: only ts_headline's
    own markers may become <mark>."""
    return Func(source, Value(START + STOP), Value("  "), function="translate")


def _plain_text(source):
    """Markdown's links and marks taken out before ts_headline cuts the text, so that a snippet never shows
    half a link (query.marked does the same to what comes back)."""
    unlinked = Func(
        _unmarked(source), Value(MARKDOWN_LINK), Value("\\1"), Value("g"), function="regexp_replace"
    )
    return Func(unlinked, Value(MARKDOWN_MARKS), Value(" "), Value("g"), function="regexp_replace")


def _headline(source, terms: Terms, *, whole: bool = False):
    """A snippet of up to two fragments of about 30 words; `whole` for a title, highlighted in full."""
    options = {"highlight_all": True} if whole else {"max_words": 30, "min_words": 15, "max_fragments": 2}
    return SearchHeadline(
        _unmarked(source) if whole else _plain_text(source),
        terms.postgres,
        config=SEARCH_CONFIG,
        start_sel=START,
        stop_sel=STOP,
        fragment_delimiter=" … ",
        **options,
    )


def _highlighted(queryset, terms: Terms, *, title: str, text):
    if not postgres():
        return queryset
    return queryset.annotate(
        headline=_headline(text, terms), title_marked=_headline(title, terms, whole=True)
    )


def _practice(viewer, ids, terms):
    stories = (
        listed_stories(viewer)
        .filter(pk__in=ids)
        .select_related("council", "community")
        .annotate(community_shown=community_shown(viewer))
    )
    return _highlighted(stories, terms, title="title", text=_joined(STORY_SNIPPET_FIELDS))


def _conversations(viewer, ids, terms):
    posts = Post.objects.filter(
        pk__in=ids,
        state=Post.State.VISIBLE,
        thread__opening_post__state=Post.State.VISIBLE,
        thread__community__in=readable_community_ids(viewer),
    ).select_related("thread__community", "author__council")
    return _highlighted(posts, terms, title="thread__title", text="body")


def _communities(viewer, ids, terms):
    communities = visible_communities(viewer).filter(pk__in=ids)
    return _highlighted(communities, terms, title="name", text=_joined(COMMUNITY_SNIPPET_FIELDS))


def _people(viewer, ids, terms):
    # Cards show the council and expertise tags: one query each for the page, not one per person.
    return visible_people(viewer).filter(pk__in=ids).select_related("council").prefetch_related("expertise")


ROWS = {PRACTICE: _practice, CONVERSATIONS: _conversations, COMMUNITIES: _communities, PEOPLE: _people}
SNIPPET_SOURCE = {
    PRACTICE: lambda story: " ".join(getattr(story, name) for name in STORY_SNIPPET_FIELDS),
    CONVERSATIONS: lambda post: post.body,
    COMMUNITIES: lambda community: " ".join(getattr(community, name) for name in COMMUNITY_SNIPPET_FIELDS),
}
TITLE_SOURCE = {
    PRACTICE: lambda story: story.title,
    CONVERSATIONS: lambda post: post.thread.title,
    COMMUNITIES: lambda community: community.name,
    PEOPLE: lambda person: person.public_name,
}


def hits(kind: str, *, viewer, ids: list[int], terms: Terms) -> list:
    """The rows for `ids`, in that order, each with `title_html` and (but people) `snippet` as safe HTML."""
    by_pk = {row.pk: row for row in ROWS[kind](viewer, ids, terms)}
    rows = [by_pk[pk] for pk in ids if pk in by_pk]
    for row in rows:
        if postgres() and kind != PEOPLE:
            row.title_html = marked(row.title_marked, markdown=False)
            row.snippet = marked(row.headline, source=SNIPPET_SOURCE[kind](row))
        else:
            row.title_html = excerpt(TITLE_SOURCE[kind](row), terms.wanted, length=400, markdown=False)
            if kind != PEOPLE:
                row.snippet = excerpt(SNIPPET_SOURCE[kind](row), terms.wanted)
    return rows
