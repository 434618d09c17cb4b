"""Finding cases from the search box: the office only, by number, masked name or exact ID number.

A case is personal data, so it is never matched on its text (facts, address, names in full):
only on what identifies the record — its number (急难〔2026〕3号), the masked name the
documents carry (张某某) — and on an exact ID number, which the office needs to find a person's
earlier applications. Every search that returns cases is logged in the case's AccessLog, like
opening the full record, because it tells the searcher who applied.
"""

import re

from django.db import transaction

from members.permissions import is_office

from .identity import normalise_id
from .models import AccessLog, Case

LIMIT = 20

# 急难〔2026〕3号, 〔2026〕3号, 2026〕3, 2026-3, 2026年3号
NUMBER = re.compile(r"^(?:急难)?[〔\[(（]?(\d{4})[〕\])）年\-/]?第?(\d{1,6})号?$")
MASKED_NAME = re.compile(r"^(\w)某某?$")
ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


def cases_with_id_number(id_number: str):
    """Cases in which this exact ID number stands, as applicant or household member: the
    keyed-hash column (cases.services.find_cases_by_id_number), never the stored value."""
    from .services import find_cases_by_id_number

    return find_cases_by_id_number(id_number)


def _criteria(word: str):
    """What one word of the query may mean for a case, as a filter; None when it means nothing."""
    compact = normalise_id(word).upper()
    if ID_SHAPE.match(compact):
        return "id", compact
    if m := NUMBER.match(word):
        return "number", (int(m[1]), int(m[2]))
    if m := MASKED_NAME.match(word):
        return "name", m[1]
    return None


def search_cases(user, words: list[str]) -> list[Case]:
    """Cases matching every word of the query, for the office only; [] for anyone else, and [] if
    any word is not a number, a masked name or an ID number (a case is never found on its text)."""
    if not is_office(user) or not words:
        return []
    criteria = [_criteria(w) for w in words]
    if None in criteria:
        return []
    cases = Case.objects.select_related("town")
    for kind, value in criteria:
        if kind == "id":
            cases = cases.filter(pk__in=cases_with_id_number(value).values("pk"))
        elif kind == "number":
            cases = cases.filter(year=value[0], number=value[1])
        else:
            # The masked name keeps only the surname (deidentify): 张某某 is every 张. Names are
            # stored encrypted (cases/crypto.py), so the database cannot compare them: they are
            # decrypted here, for the office's search only (about 22 µs a name).
            named = [
                c.pk
                for c in Case.objects.only("pk", "applicant")
                if (c.applicant or "").startswith(value)
            ]
            cases = cases.filter(pk__in=named)
    found = list(cases.order_by("-year", "-number")[:LIMIT])
    if found:
        with transaction.atomic():
            AccessLog.objects.bulk_create(
                AccessLog(case=c, user=user, unit_id=user.unit_id) for c in found
            )
    return found
