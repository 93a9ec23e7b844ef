"""core.pagination: the one way list pages are cut, whatever number is typed into the URL."""

import pytest

from core.pagination import paginate

ROWS = list(range(1, 46))  # three pages of 20: 20, 20 and 5


@pytest.mark.parametrize(
    ("number", "shown"),
    [("2", 2), (3, 3), (None, 1), ("", 1), ("abc", 1), ("0", 3), ("-1", 3), ("99", 3), ("1.5", 1)],
)
def test_a_bad_or_too_large_number_gives_the_first_or_the_last_page(number, shown):
    assert paginate(ROWS, number, 20).number == shown


def test_a_page_holds_its_rows_as_a_list_so_a_view_can_decorate_them():
    page = paginate(tuple(ROWS), "3", 20)
    assert page.object_list == [41, 42, 43, 44, 45]
    assert page.paginator.num_pages == 3


def test_an_empty_list_has_one_empty_page():
    page = paginate([], "4", 20)
    assert page.number == 1
    assert page.object_list == []
