"""core.numbers.with_unit: measured outcomes as people write them."""

from decimal import Decimal

import pytest

from core.numbers import with_unit


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("21400.00", "", "21,400"),
        ("21400.00", "pages", "21,400 pages"),
        ("6.50", "days", "6.5 days"),
        ("14.5", " minutes ", "14.5 minutes"),
        ("3.00", "days", "3 days"),
        ("0.00", "loans", "0 loans"),
        ("23", "%", "23%"),
        ("12.25", "%", "12.25%"),
        ("1450000", "£", "£1.45m"),
        ("1450000", "£ a year", "£1.45m a year"),
        ("18500", "£ a year", "£18,500 a year"),
        ("2300000000", "£", "£2.3bn"),
        ("-4500", "£", "-£4,500"),
        ("999999.99", "£", "£999,999.99"),
        ("1000000", "", "1 million"),
        ("1234567", "residents", "1.23 million residents"),
        ("0.125", "hours", "0.13 hours"),
    ],
)
def test_with_unit(value, unit, expected):
    assert with_unit(Decimal(value), unit) == expected
