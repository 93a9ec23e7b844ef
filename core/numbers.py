"""Numbers as people write them: "21,400", "£1.45m", "6.5 days", "23%"."""

from decimal import ROUND_HALF_UP, Decimal

_LARGE = ((Decimal(10) ** 9, "bn", " billion"), (Decimal(10) ** 6, "m", " million"))


def _plain(value: Decimal, places: int = 2) -> str:
    """Thousands separated by commas, no trailing zeros: 21400.00 → "21,400", 6.50 → "6.5"."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled(value: Decimal) -> tuple[str, str, str] | None:
    """(number, short suffix, long suffix) for a million or more: 1450000 → ("1.45", "m", " million")."""
    for size, short, long in _LARGE:
        if abs(value) >= size:
            return _plain(value / size), short, long
    return None


def with_unit(value: Decimal, unit: str = "") -> str:
    """A measured value with its unit as a story's author typed it: money in pounds ("£", "£ a year") before
    the number and shortened from a million ("£1.45m a year"), a percentage after it ("23%"), any other
    unit after a space ("6.5 days", "1.2 million pages")."""
    unit = unit.strip()
    scaled = _scaled(value)
    if unit.startswith("£"):
        rest = unit[1:].strip()
        number = f"{scaled[0]}{scaled[1]}" if scaled else _plain(value)
        sign, number = ("-", number[1:]) if number.startswith("-") else ("", number)
        return f"{sign}£{number}" + (f" {rest}" if rest else "")
    number = f"{scaled[0]}{scaled[2]}" if scaled else _plain(value)
    if unit == "%":
        return f"{number}%"
    return f"{number} {unit}" if unit else number
