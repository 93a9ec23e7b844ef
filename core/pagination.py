"""One way every list page is cut into pages."""

from django.core.paginator import Page, Paginator


def paginate(items, number, per_page: int) -> Page:
    """The page `number` (as typed in the URL: a bad or too-large number gives page 1 or the last) of
    `items`, its rows read once into a list, so a view can decorate them before the template shows them."""
    page = Paginator(items, per_page).get_page(number)
    page.object_list = list(page.object_list)
    return page
