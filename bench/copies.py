"""Copies of a finished year, shifted by whole years: rows as the services left them.

Every row of the workflow tables (and its django-simple-history rows, and the many-to-many rows of
both) is copied with its dates moved back by `years`, its `year` fields with them, the year in
its words (〔2025〕, 2025年) likewise, and its links pointed at the copies of the rows it linked.
Statuses, numbers and the order of events are copied as they are: a copy of a year whose
numbers were gapless and unique per year is gapless and unique in its own year.
"""

import re
from collections import defaultdict
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import models

from cases.models import AccessLog, Case, HouseholdMember, Measure, Verification
from duties.models import (
    Escalation,
    Extension,
    Feedback,
    Report,
    ReportLine,
    ReportRound,
    Scheme,
    SchemeItem,
    Task,
    TaskUnit,
    UnitResult,
)
from meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    Distribution,
    Download,
    Meeting,
    Minutes,
    Opinion,
)
from members.models import Sequence, Step

# In the order their links need (a row is copied after the rows it points at).
WORKFLOW = [
    Task,
    TaskUnit,
    Feedback,
    Extension,
    Escalation,
    ReportRound,
    Report,
    ReportLine,
    Scheme,
    SchemeItem,
    UnitResult,
    Meeting,
    AgendaItem,
    Attendance,
    Opinion,
    Minutes,
    Decision,
    Distribution,
    Download,
    Case,
    HouseholdMember,
    Verification,
    Measure,
    AccessLog,
]
M2M = [Meeting.invited_units, Task.responsible_units, Decision.responsible_units]
BATCH = 5000
YEAR_IN_WORDS = re.compile(r"(?<=〔)(\d{4})(?=〕)|(\d{4})(?=年)")


def _tables():
    """(model, the model whose pk its `id` copies or None) for every table copied, in order."""
    tables = [(m, None) for m in WORKFLOW]
    tables += [(d.through, None) for d in M2M]
    tables.append((Step, None))
    for model in WORKFLOW:
        if hasattr(model, "history"):
            tables.append((model.history.model, model))
    for descriptor in M2M:
        owner = descriptor.field.model
        history = owner.history.model
        m2m_history = next(
            rel.related_model
            for rel in history._meta.related_objects
            if rel.related_model.__name__.startswith(f"{history.__name__}_")
            and rel.related_model.__name__.endswith(descriptor.field.name)
        )
        tables.append((m2m_history, descriptor.through))
    return tables


class Copier:
    """Reads the finished year once; `copy(years)` writes one copy shifted back by `years`."""

    def __init__(self):
        self.tables = _tables()
        self.rows = {}
        for model, _ in self.tables:
            names = [f.attname for f in model._meta.concrete_fields]
            self.rows[model] = list(model.objects.order_by("pk").values_list(*names))
        self.sequences = list(Sequence.objects.values_list("key", "last_number"))

    @property
    def total_rows(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def copy(self, years: int, progress=None) -> int:
        with _given_times(m for m, _ in self.tables):
            return self._copy(years, progress)

    def _copy(self, years, progress):
        pk_maps: dict = defaultdict(dict)  # model -> {pk in the year: pk of its copy}
        written = 0
        for model, id_of in self.tables:
            fields = model._meta.concrete_fields
            rules = [self._rule(model, f, id_of, pk_maps, years) for f in fields]
            pk_index = next(i for i, f in enumerate(fields) if f.primary_key)
            source = self.rows[model]
            copies = []
            for row in source:
                values = {}
                for f, rule, value in zip(fields, rules, row, strict=True):
                    if rule is None:
                        continue
                    values[f.attname] = rule(value, row)
                copies.append(model(**values))
            for start in range(0, len(copies), BATCH):
                model.objects.bulk_create(copies[start : start + BATCH])
                written += len(copies[start : start + BATCH])
                if progress:
                    progress(written)
            pk_maps[model] = {
                row[pk_index]: obj.pk for row, obj in zip(source, copies, strict=True)
            }
        Sequence.objects.bulk_create(
            [
                Sequence(
                    key=YEAR_KEY.sub(lambda m: str(int(m.group(1)) - years), key), last_number=n
                )
                for key, n in self.sequences
                if YEAR_KEY.search(key)
            ]
        )
        return written

    def _rule(self, model, field, id_of, pk_maps, years):
        """How one column of a copy is made from the column of the original row."""
        if field.primary_key:
            return None  # a new row
        if id_of is not None and field.attname == "id":
            return lambda value, row, m=pk_maps[id_of]: _mapped(m, value, years)
        if field.is_relation and field.related_model in pk_maps:
            target = pk_maps[field.related_model]
            return lambda value, row: None if value is None else _mapped(target, value, years)
        if model is Step and field.attname == "object_id":
            ct_index = [f.attname for f in model._meta.concrete_fields].index("content_type_id")
            by_type = {
                ct.pk: pk_maps[ct.model_class()]
                for ct in ContentType.objects.all()
                if ct.model_class() in pk_maps
            }
            return lambda value, row: by_type[row[ct_index]][value]
        if isinstance(field, models.DateTimeField | models.DateField):
            return lambda value, row: None if value is None else _shift(value, years)
        if field.attname == "year":
            return lambda value, row: None if value is None else value - years
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            return lambda value, row: _words(value, years)
        return lambda value, row: value


YEAR_KEY = re.compile(r"(?<=-)(\d{4})$")


@contextmanager
def _given_times(tables):
    """bulk_create stamps auto_now(_add) fields with the present: a copy keeps its own moments."""
    changed = []
    for model in tables:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                changed.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in changed:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _mapped(pks, value, years):
    """The copy's pk; a history row of a row since deleted (a decision redrafted) keeps a
    number of its own that no live row has."""
    found = pks.get(value)
    return found if found is not None else -(value * 100 + years)


def _shift(value, years):
    return value.replace(year=value.year - years)


def _words(text, years):
    if not text or ("〔" not in text and "年" not in text):
        return text
    return YEAR_IN_WORDS.sub(lambda m: str(int(m.group(0)) - years), text)
