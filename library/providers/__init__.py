"""What the library gives the hub's other surfaces (core.providers): the feed, search and digests;
registered in library/extensions.py. Each reads through library.permissions."""

from django.db import connection
from django.db.models import QuerySet


def newest_of(parts: list[QuerySet], order: tuple[str, ...], limit: int) -> QuerySet:
    """The newest `limit` rows of the UNION ALL of `parts` (values_list querysets of the same columns, each
    ordered newest first), in `order` (names of the first part's columns): one query for documents and
    guides together. On PostgreSQL each part is cut to its own newest `limit` first, so each walks its
    index; SQLite takes no ORDER BY or LIMIT inside a compound statement, only around it."""
    if len(parts) == 1:
        rows = parts[0]
    elif connection.vendor == "postgresql":
        rows = parts[0][:limit].union(*(part[:limit] for part in parts[1:]), all=True)
    else:
        rows = parts[0].order_by().union(*(part.order_by() for part in parts[1:]), all=True)
    return rows.order_by(*order)[:limit]
