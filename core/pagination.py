"""One way every list page is cut into pages."""

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window

PAGES_AHEAD = 2  # a capped list links this many pages past the one shown


def paginate(
    items,
    number,
    per_page: int,
    *,
    count: int | None = None,
    cap: int | None = None,
    counted=None,
    counted_with_page: bool = False,
) -> Page:
    """The page `number` (as typed in the URL: a bad or too-large number gives page 1 or the last) of
    `items`, its rows read once into a list, so a view can decorate them before the template shows them.
    `count`: how many items there are, when the caller knows it without a COUNT over them all.
    `cap`: count no further than this many items (or a few pages past the one asked for), for a list too
    long to count on every request, and `counted` what to count, if not `items` (the same rows, cheaper to
    count: a queryset of their ids); see CappedPaginator.
    `counted_with_page`: `items` is a QuerySet whose total comes with its page, as a window count over the
    same filter (one statement, not a COUNT and then the page, each finding every match); see
    _page_with_count."""
    if counted_with_page and count is None and cap is None:
        page = _page_with_count(items, number, per_page)
        if page is not None:
            return page
    if cap is not None:
        paginator = CappedPaginator(items, per_page, cap=cap, number=_page_number(number), counted=counted)
    else:
        paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached_property: this is its value
    page = paginator.get_page(number)
    page.object_list = list(page.object_list)
    return page


PAGE_TOTAL = "page_total"  # the window count's name on each row of _page_with_count


def _page_with_count(items, number, per_page: int) -> Page | None:
    """The page asked for and the total, in one statement: each row of the page carries COUNT(*) OVER (),
    computed over every matching row before LIMIT and OFFSET cut the page. None for a number below 1, or
    past the end (an empty page but not the first): paginate() then counts and gives the last page, as it
    does for any list."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1  # not a whole number: the first page, as Paginator.get_page gives
    if number < 1:
        return None
    offset = (number - 1) * per_page
    rows = list(items.annotate(**{PAGE_TOTAL: Window(Count("*"))})[offset : offset + per_page])
    if not rows and number > 1:
        return None
    paginator = Paginator(items, per_page)
    paginator.count = getattr(rows[0], PAGE_TOTAL) if rows else 0
    return paginator._get_page(rows, paginator.validate_number(number), paginator)


def _page_number(number) -> int:
    try:
        return max(1, int(number))
    except (TypeError, ValueError):
        return 1


class CappedPaginator(Paginator):
    """Pages of a list it counts only as far as it must: `cap` items, or PAGES_AHEAD pages past the page
    asked for if that is further (so the count reads no more rows than the page's own OFFSET does). When
    there are more than that, the end is not known (`capped`): the page links stop a few pages ahead and
    end in a gap, with Next still there; `over_cap` says there are more items than the cap, for "More than
    1,000". A number below 1 gives the first page (the last is not known); a number past the end, the last.
    """

    def __init__(self, object_list, per_page: int, *, cap: int, number: int, counted=None) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.counted_items = counted
        self.limit = max(cap, (number + PAGES_AHEAD) * per_page)

    @cached_property
    def counted(self) -> int:
        """The items up to one past the limit: COUNT(*) over a LIMIT, without ordering (any rows will do)."""
        if self.counted_items is not None:
            return self.counted_items[: self.limit + 1].count()
        items = self.object_list
        if hasattr(items, "order_by"):  # a QuerySet
            return items.order_by().values("pk")[: self.limit + 1].count()
        return len(items[: self.limit + 1])

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.limit)

    @property
    def capped(self) -> bool:
        """More items than were counted: the last page is not known."""
        return self.counted > self.limit

    @property
    def over_cap(self) -> bool:
        """More items than the cap ("More than 1,000")."""
        return self.counted > self.cap

    def validate_number(self, number) -> int:
        if _page_number(number) == 1:
            number = 1  # a bad or negative number: the first page (the last is not known)
        return super().validate_number(number)

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        """As Paginator's, but when the end is not known the range stops `on_each_side` pages past `number`
        and ends with a gap, not with the last pages."""
        if not self.capped:
            yield from super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
            return
        number = self.validate_number(number)
        if number > 1 + on_each_side + on_ends + 1:
            yield from range(1, on_ends + 1)
            yield self.ELLIPSIS
            yield from range(number - on_each_side, min(number + on_each_side, self.num_pages) + 1)
        else:
            yield from range(1, min(number + on_each_side, self.num_pages) + 1)
        yield self.ELLIPSIS
