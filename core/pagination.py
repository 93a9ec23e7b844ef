"""One way every list page is cut into pages."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from core.queries import pk_among


def paginate(items, number, per_page: int, *, count: int | None = None) -> Page:
    """The page `number` (as typed in the URL: a bad or too-large number gives page 1 or the last) of
    `items`, its rows read once into a list, so a view can decorate them before the template shows them.
    `count`: how many items there are, when the caller knows it without a COUNT over them all."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached_property: this is its value
    page = paginator.get_page(number)
    page.object_list = list(page.object_list)
    return page


class KeysFirst:
    """A list to paginate whose page is found among its primary keys first, then its rows read by them, in
    one query: `rows.filter(pk = ANY(ARRAY(keys[offset:offset + size])))`. `keys` is the list's filter and
    order reading only what an index covers (or a few columns looked up per row), `rows` the same rows with
    everything the page shows and the same order: PostgreSQL then joins the page's rows to what they show by
    primary key instead of joining every row of the list before cutting the page out (a hash of a whole
    table, past a few thousand rows). Give paginate() the count."""

    def __init__(self, keys: QuerySet, rows: QuerySet):
        self.keys, self.rows = keys.values("pk"), rows
        self.ordered = True  # the order is the keys' (Paginator warns about an unordered list)

    def count(self) -> int:
        return self.keys.count()

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice):
            raise TypeError("KeysFirst gives pages (slices), not single rows")
        return list(self.rows.filter(pk_among(self.keys[index])))
