"""Reading one reported figure (救助信息报送) from what a person typed or an Excel cell held.

One checker for the web form and the Excel upload, so both refuse the same things in the same
words: text in a number field, negative numbers, fractions of a 人次, more than two decimals.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_VALUE = Decimal("99999999999999.99")  # what ReportLine.value (16 digits, 2 decimals) holds
NOTE_MAX_LENGTH = 1000


class FigureError(ValueError):
    """str(e) is the Chinese reason, without the indicator's name."""


def parse_figure(indicator, raw) -> Decimal | None:
    """The value for `indicator` from `raw` (str, int, float, Decimal or None); None when empty."""
    if raw is None:
        return None
    if isinstance(raw, bool | datetime.date | datetime.time):
        raise FigureError("不是数字")
    if isinstance(raw, float):
        raw = repr(raw)  # the shortest text that reads back as this float: 12.3, not 12.2999…
    text = str(raw).strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FigureError("不是数字") from None
    if not value.is_finite():
        raise FigureError("不是数字")
    if value < 0:
        raise FigureError("不能为负数")
    if value > MAX_VALUE:
        raise FigureError("数值过大")
    places = indicator.decimal_places
    if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        raise FigureError("须为整数" if places == 0 else "最多保留两位小数")
    return value.quantize(Decimal(1).scaleb(-places))


def format_figure(indicator, value) -> str:
    if value is None:
        return ""
    return f"{value:,.{indicator.decimal_places}f}"
