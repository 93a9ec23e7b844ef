"""Query expressions the apps share."""

from django.db import connection
from django.db.models import BooleanField, F, Func, Q


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
    if connection.vendor == "postgresql":
        return Q(InArray(F("pk"), keys))
    return Q(pk__in=keys)
