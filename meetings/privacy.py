"""The one checker of personal data for everything that can be printed or sent to the units.

Minutes, meeting notices and agenda items go to thirty units, and an issued PDF cannot be
recalled. So every field that can reach them is checked when it is saved (services call
`check_fields`), and the final text is checked again at issuance, over the rendered PDF's text.

Two kinds of hit:
- numbers: resident ID numbers (18 digits with a valid GB 11643 check digit or a real birth
  date; old 15-digit numbers with a real birth date), mobile numbers and fixed-line numbers. They
  are refused outright: no official document needs them.
- terms: the names and addresses of the people the urgent cases protect (applicants and household
  members of *any* case, not only the meeting's). A person's name may also be an official's (an
  official named 张平 and an applicant named 张平), so such a hit is refused unless the office
  confirms, per hit, that it is not that person (the confirmation is recorded by the caller).

Before matching, text is normalised the way people write numbers: full-width characters become
ASCII (NFKC), and spaces, hyphens, dots, slashes and line breaks between digits are removed, so
`152627 19710412 1018`, `138-0477-0001` and `１３８ ０４７７ ０００１` are all found.

Other apps supply terms by registering a source at start-up (cases/apps.py): meetings never
imports cases (DESIGN.md's one-way imports).
"""

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from stdnum.cn import ric

# Separators people put inside numbers: spaces (any kind), hyphens and dashes, dots, slashes.
SEPARATORS = r"[\s\-‐‑‒–—―_.·/\\]+"
_BETWEEN_DIGITS = re.compile(rf"(?<=\d){SEPARATORS}(?=[\dXx])")
_DIGIT_RUN = re.compile(r"\d{7,}[Xx]?")
MOBILE = re.compile(r"1[3-9]\d{9}")
FIXED_LINE = re.compile(r"0[1-9]\d{1,2}[2-9]\d{6,7}")
MIN_TERM_LENGTH = 2


@dataclass(frozen=True)
class Hit:
    field: str  # the field's Chinese label, e.g. 会议名称
    kind: str  # 身份证号码, 手机号码, 固定电话号码, or the term's kind (个案申请人姓名…)
    text: str  # what was found (for a term: the term itself)

    @property
    def is_number(self) -> bool:
        """Numbers are refused outright; a source's kinds ending in 号码 or 电话 are numbers too."""
        return self.kind.endswith(("号码", "电话"))


# A source returns (kind, term) pairs, e.g. ("个案申请人姓名", "张建国").
_sources: list[Callable[[], Iterable[tuple[str, str]]]] = []


def register_source(source: Callable[[], Iterable[tuple[str, str]]]) -> None:
    """Called by another app's AppConfig.ready(); registering the same function twice is a no-op."""
    if source not in _sources:
        _sources.append(source)


def sources() -> tuple:
    return tuple(_sources)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return _BETWEEN_DIGITS.sub("", text)


def _is_date(digits: str) -> bool:
    try:
        born = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return 1900 <= born.year <= datetime.date.today().year


def _valid_id(digits: str) -> bool:
    return ric.calc_check_digit(digits) == digits[17] and _is_date(digits[6:14])


def _numbers(text: str) -> list[tuple[str, str]]:
    found = []
    for match in _DIGIT_RUN.finditer(text):
        run = match.group().upper()
        id_shaped = len(run) == 18 and run[:17].isdigit()
        if id_shaped and (ric.calc_check_digit(run) == run[17] or _is_date(run[6:14])):
            found.append(("身份证号码", run))
            continue
        if len(run) == 15 and run.isdigit() and _is_date("19" + run[6:12]):
            found.append(("身份证号码", run))
            continue
        if run.isdigit() and MOBILE.fullmatch(run):
            found.append(("手机号码", run))
            continue
        if run.isdigit() and FIXED_LINE.fullmatch(run):
            found.append(("固定电话号码", run))
            continue
        # A longer run is numbers written one after another ("…1018 138-0477-0001" joins into
        # 29 digits): look inside it for an ID number (check digit and birth date both right)
        # and for a mobile number.
        if len(run) > 11:
            taken = set()
            for i in range(len(run) - 17):
                if _valid_id(run[i : i + 18]):
                    found.append(("身份证号码", run[i : i + 18]))
                    taken |= set(range(i, i + 18))
            for i in range(len(run) - 10):
                window = run[i : i + 11]
                if not taken & set(range(i, i + 11)) and MOBILE.fullmatch(window):
                    found.append(("手机号码", window))
                    taken |= set(range(i, i + 11))
    return found


def personal_terms() -> list[tuple[str, str]]:
    """Every registered source's terms, longest first (an address before the name inside it)."""
    terms = {
        (kind, term.strip())
        for source in _sources
        for kind, term in source()
        if term and len(term.strip()) >= MIN_TERM_LENGTH
    }
    return sorted(terms, key=lambda kt: (-len(kt[1]), kt))


def find(fields: dict[str, str], *, terms: list[tuple[str, str]] | None = None) -> list[Hit]:
    """Hits in `fields` ({Chinese label: text}); `terms` may be passed when checking many texts."""
    if terms is None:
        terms = personal_terms()
    hits: list[Hit] = []
    for label, text in fields.items():
        normal = normalise(text)
        hits += [Hit(label, kind, number) for kind, number in _numbers(normal)]
        compact = re.sub(r"\s+", "", normal)
        hits += [Hit(label, kind, term) for kind, term in terms if term in compact]
    return list(dict.fromkeys(hits))


def refusal(hits: list[Hit]) -> str:
    """The Chinese message for hits that are refused, naming the field."""
    numbers = [h for h in hits if h.is_number]
    if numbers:
        h = numbers[0]
        return (
            f"{h.field}中含有{h.kind}（{h.text[:3]}…），会分送各成员单位，不能保存。"
            "请删除后再保存。"
        )
    names = "、".join(f"「{h.text}」（{h.kind}，见{h.field}）" for h in hits)
    return (
        f"{names}与急难救助个案的当事人信息相同。纪要、通知和议题会分送各成员单位，"
        "请删除；如确认不是该个案当事人，请勾选确认后再保存。"
    )


def confirmation_choice(hit: Hit) -> str:
    return f"{hit.kind}:{hit.text}"


def unconfirmed(hits: list[Hit], confirmed: Iterable[str]) -> list[Hit]:
    """Hits still refused: every number, and each term the office has not confirmed."""
    confirmed = set(confirmed or ())
    return [h for h in hits if h.is_number or confirmation_choice(h) not in confirmed]
