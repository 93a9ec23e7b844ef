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


# --- A list counted up to a cap -----------------------------------------------------------------------------
LONG = list(range(1, 1251))  # 63 pages of 20, the last of 10


def test_a_list_under_the_cap_is_counted_exactly_and_ends_where_it_ends():
    page = paginate(ROWS, "2", 20, cap=1000)
    assert (page.paginator.count, page.paginator.capped, page.paginator.over_cap) == (45, False, False)
    assert page.paginator.num_pages == 3
    assert list(page.paginator.get_elided_page_range(2, on_each_side=1, on_ends=1)) == [1, 2, 3]


def test_a_list_over_the_cap_is_counted_to_the_cap_and_its_pages_go_on_past_it():
    first = paginate(LONG, None, 20, cap=1000)
    assert (first.paginator.count, first.paginator.capped, first.paginator.over_cap) == (1000, True, True)
    assert first.has_next()
    ellipsis = first.paginator.ELLIPSIS
    assert list(first.paginator.get_elided_page_range(1, on_each_side=1, on_ends=1)) == [1, 2, ellipsis]
    # Past the cap: counted a few pages ahead of the page asked for, still without the end.
    deep = paginate(LONG, "55", 20, cap=1000)
    assert deep.object_list == list(range(1081, 1101))
    assert deep.paginator.capped
    assert deep.has_next()
    assert list(deep.paginator.get_elided_page_range(55, on_each_side=1, on_ends=1)) == [
        1,
        ellipsis,
        54,
        55,
        56,
        ellipsis,
    ]
    # Near the end the count reaches it: the last page is known again.
    near = paginate(LONG, "62", 20, cap=1000)
    assert (near.paginator.count, near.paginator.capped, near.paginator.over_cap) == (1250, False, True)
    assert near.paginator.num_pages == 63


@pytest.mark.parametrize(("number", "shown"), [(None, 1), ("abc", 1), ("0", 1), ("-3", 1), ("1.5", 1)])
def test_a_bad_number_gives_the_first_page_of_a_capped_list(number, shown):
    assert paginate(LONG, number, 20, cap=1000).number == shown


def test_a_number_past_the_end_of_a_capped_list_gives_its_last_page():
    page = paginate(LONG, "999", 20, cap=1000)
    assert (page.number, page.object_list, page.paginator.capped) == (63, list(range(1241, 1251)), False)
