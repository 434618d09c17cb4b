"""The benchmark's load data (bench/): made by the services, copied back whole years."""

import io
from collections import Counter, defaultdict

import pytest
from django.db.models.functions import ExtractYear
from django.utils import timezone

from bench.load_data import MARKER, generate
from cases.models import Case
from duties.models import Escalation, Task
from meetings.models import AgendaItem, Decision, Distribution, Meeting, Minutes
from members.models import Sequence, Step


@pytest.fixture
def three_years(charter):
    out = io.StringIO()
    assert generate(3, scale=0.04, seed=7, out=out)
    return timezone.localdate().year


def test_load_data_is_made_once_and_holds_three_valid_years(three_years):
    """One generation (it takes a while), every check on it."""
    each_year_is_filled_and_the_oldest_is_a_copy_of_the_finished_one(three_years)
    numbers_stay_unique_and_gapless_in_every_year()
    copies_keep_their_links_history_and_words(three_years)
    rounds_and_assessments_fill_every_year(three_years)
    out = io.StringIO()
    assert not generate(3, scale=0.04, out=out)
    assert "不再生成" in out.getvalue()
    assert Sequence.objects.get(key=MARKER).last_number == 3


def by_year(model, moment):
    return Counter(model.objects.annotate(y=ExtractYear(moment)).values_list("y", flat=True))


def each_year_is_filled_and_the_oldest_is_a_copy_of_the_finished_one(three_years):
    this, finished, copied = three_years, three_years - 1, three_years - 2
    meetings = by_year(Meeting, "starts_at")
    assert meetings[this] and meetings[finished] and meetings[copied]
    # The copy is the finished year moved back: the same work, status for status.
    for model, moment in (
        (AgendaItem, "submitted_at"),
        (Case, "registered_at"),
        (Task, "created_at"),
    ):
        statuses = defaultdict(Counter)
        for year, status in model.objects.annotate(y=ExtractYear(moment)).values_list(
            "y", "status"
        ):
            statuses[year][status] += 1
        assert statuses[copied] == statuses[finished], model
    # What the services left open today is this year's, never a copy's.
    assert not Task.objects.filter(status=Task.Status.OPEN, created_at__year__lt=finished).exists()


def numbers_stay_unique_and_gapless_in_every_year():
    for model, fields in ((Minutes, ("year",)), (Case, ("year",)), (Escalation, ("level", "year"))):
        numbers = defaultdict(list)
        for *key, number in model.objects.exclude(number=None).values_list(*fields, "number"):
            numbers[tuple(key)].append(number)
        assert numbers, model
        for key, got in numbers.items():
            assert sorted(got) == list(range(1, len(got) + 1)), (model, key)
            # The next number the services will give follows the last one.
            sequence = {Minutes: "minutes", Case: "case"}.get(model, f"escalation-{key[0]}")
            assert Sequence.objects.get(key=f"{sequence}-{key[-1]}").last_number == len(got)


def copies_keep_their_links_history_and_words(three_years):
    copied = three_years - 2
    minutes = Minutes.objects.filter(year=copied, status=Minutes.Status.ISSUED).first()
    assert minutes.meeting.starts_at.year == copied
    assert minutes.issued_at.year == copied
    assert {s.action for s in minutes.steps.all()} >= {"created", "approved", "issued"}
    assert minutes.history.count() >= 4  # created, submitted, approved, issued…
    assert Distribution.objects.filter(minutes=minutes).count() > 0
    decision = Decision.objects.filter(minutes=minutes).select_related("task").first()
    assert decision.task.source_label.startswith(f"〔{copied}〕第")
    assert decision.task.created_at.year == copied
    assert decision.task.history.exists()
    case = Case.objects.filter(year=copied, status=Case.Status.CLOSED).first()
    assert case.registered_at.year == copied
    assert case.agenda_item.title.startswith(f"急难〔{copied}〕")
    assert Step.objects.filter(object_id=case.pk, action=Case.Status.CLOSED).exists()


def rounds_and_assessments_fill_every_year(this):
    from duties.models import ReportRound, Scheme

    rounds = Counter(ReportRound.objects.values_list("year", flat=True))
    assert rounds[this - 2] == rounds[this - 1] == 4  # the copy holds the finished year's four
    assert rounds[this] >= 1
    assert Scheme.objects.get(year=this - 1).status == Scheme.Status.PUBLISHED
    copied = Scheme.objects.get(year=this - 2)
    assert copied.status == Scheme.Status.PUBLISHED and copied.results.exists()
