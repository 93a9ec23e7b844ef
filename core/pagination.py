"""One way every list page is cut into pages."""

from django.core.paginator import Page, Paginator


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
