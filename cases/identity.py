"""Resident ID numbers (GB 11643-1999) and phone numbers: validation and masking."""

import datetime
import re

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

PHONE_SHAPE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class InvalidID(ValueError):
    """str(e) is the Chinese message the user sees."""


def normalise_id(value: str) -> str:
    return ric.compact(value or "").replace(" ", "")


def validate_id(value: str, *, today: datetime.date | None = None) -> str:
    """Return the normalised 18-character ID number or raise InvalidID with the reason.

    python-stdnum's stdnum.cn.ric does the GB 11643 arithmetic; its validate() also refuses a
    region code missing from its own table, which would refuse real residents registered under a
    code it does not know, so the parts are called one by one and each gets a Chinese reason.
    """
    number = normalise_id(value)
    if len(number) != 18:
        raise InvalidID(f"身份证号应为 18 位，现在是 {len(number)} 位。")
    if not (number[0] in "123456789" and number[:17].isdigit() and number[17] in "0123456789X"):
        raise InvalidID("身份证号前 17 位应为数字，最后一位为数字或 X。")
    try:
        born = ric.get_birth_date(number)
    except stdnum_exceptions.InvalidComponent:
        raise InvalidID("身份证号中的出生日期不存在。") from None
    if born.year < 1900 or born > (today or datetime.date.today()):
        raise InvalidID("身份证号中的出生日期不合理。")
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidID("身份证号校验位不正确，请核对后重新填写。")
    return number


def make_id(region: str, born: datetime.date, sequence: int) -> str:
    """A well-formed (valid check digit) but invented ID number, for demo data and tests."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def mask_id(value: str) -> str:
    """152627********1234: region kept, birth date and sequence hidden."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    """138****5678."""
    digits = (value or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def validate_phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value and not PHONE_SHAPE.match(value):
        raise InvalidID("联系电话格式不正确：手机号 11 位，座机如 0477-8612345。")
    return value
