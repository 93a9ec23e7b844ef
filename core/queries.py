"""Query expressions the apps share."""

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet


class InArray(Func):
    """`a = ANY(ARRAY(subquery))` (PostgreSQL): unlike IN (subquery), an index condition, evaluated once, so
    the planner looks up the few keys rather than hashing the whole table or joining a BitmapOr."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()


class WordSimilar(Func):
    """`a %> b` (PostgreSQL's pg_trgm): b is like a word of a (word similarity of at least
    pg_trgm.word_similarity_threshold), which a trigram index on a answers."""

    template = "%(expressions)s"
    arg_joiner = " %%> "
    output_field = BooleanField()


def pk_among(keys) -> Q:
    """Rows whose primary key is one of `keys` (a subquery of one column): looked up by the primary key's
    index on PostgreSQL; a plain IN elsewhere."""
    return among("pk", keys)


def among(field: str, keys) -> Q:
    """Rows whose `field` (a lookup path: "thread__community") is one of `keys`, a subquery of one column
    run once on PostgreSQL (an array, not a hashed subplan the planner charges again for every row of a
    nested loop); a plain IN elsewhere."""
    if connection.vendor == "postgresql":
        return Q(InArray(F(field), keys))
    return Q(**{f"{field}__in": keys})


class KeysFirst:
    """A list to paginate (core.pagination.paginate, given the count) whose page is found among its primary
    keys first, then its rows read by them, in one query: `rows.filter(pk = ANY(ARRAY(keys[offset:offset +
    size])))`. `keys` is the list's filter and order, reading only what an index covers (or a column or two
    looked up per row); it may hold rows past the count given to paginate(). `rows` reads everything the
    page shows for those keys, in the same order. PostgreSQL then joins only the page's rows to what they
    show, by primary key, instead of joining every row of the list before cutting the page out of it (past
    a few thousand rows, a hash of a whole table)."""

    def __init__(self, keys: QuerySet, rows: QuerySet):
        self.keys, self.rows = keys.values("pk"), rows
        self.ordered = True  # the keys' order (Django's Paginator warns about an unordered list)

    def __len__(self) -> int:
        raise TypeError("KeysFirst is not counted: give paginate() the count")

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice):
            raise TypeError("KeysFirst gives pages (slices), not single rows")
        return list(self.rows.filter(pk_among(self.keys[index])))
