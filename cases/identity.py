"""Resident ID numbers (GB 11643-1999) and phone numbers: validation and masking."""

import datetime
import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
ID_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")
PHONE_SHAPE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class InvalidID(ValueError):
    """str(e) is the Chinese message the user sees."""


def check_digit(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise_id(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_id(value: str, *, today: datetime.date | None = None) -> str:
    """Return the normalised 18-character ID number or raise InvalidID with the reason."""
    number = normalise_id(value)
    if len(number) != 18:
        raise InvalidID(f"身份证号应为 18 位，现在是 {len(number)} 位。")
    if not ID_SHAPE.match(number):
        raise InvalidID("身份证号前 17 位应为数字，最后一位为数字或 X。")
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidID("身份证号中的出生日期不存在。") from None
    if born.year < 1900 or born > (today or datetime.date.today()):
        raise InvalidID("身份证号中的出生日期不合理。")
    if check_digit(number[:17]) != number[17]:
        raise InvalidID("身份证号校验位不正确，请核对后重新填写。")
    return number


def make_id(region: str, born: datetime.date, sequence: int) -> str:
    """A well-formed (valid check digit) but invented ID number, for demo data and tests."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


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
