"""One year of the joint meeting's work, done through the apps' services, in time order.

Each piece of work is a story: a generator that calls a service, then yields the moment of its
next step. The scheduler runs every story's steps in the order of those moments with the clock
set to each (time-machine), so every status, number, step, history row and timestamp is what the
services write on that day. Nothing here sets a status: a story only decides *what* the office,
leaders and liaisons do and *when*; whether it is allowed is the services' business, and a
refusal is a bug of this file (it stops the run).

A story reads the database to decide (is the task still open? which units have not finished?),
as the people would read their pages.
"""

import datetime
import heapq
import random
from dataclasses import dataclass
from decimal import Decimal

import time_machine
from django.utils import timezone

from cases import services as cases
from cases.identity import make_id
from cases.models import Case, HouseholdMember
from duties import services as duties
from duties.models import Duty, Escalation, Indicator, Report, Task, TaskUnit
from meetings import services as meetings
from meetings.models import AgendaItem, Attendance, Meeting
from members import services as members
from members.models import Person, Seat, Unit, User

from . import words as w

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
REPORTING_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.MASS_ORGANISATION, Unit.Kind.TOWN)
INDICATORS = [
    ("临时救助人次", "人次", "integer"),
    ("临时救助金额", "元", "money"),
    ("医疗救助人次", "人次", "integer"),
    ("主动发现困难群众户数", "户", "integer"),
]


def ensure_indicators(office):
    """The reported indicators, made once through the service (they are not copied per year)."""
    if Indicator.objects.exists():
        return
    for n, (name, measure, kind) in enumerate(INDICATORS, 1):
        duties.create_indicator(
            by=office,
            name=name,
            measure=measure,
            kind=kind,
            unit_kinds=list(REPORTING_KINDS),
            order=n,
        )


@dataclass
class People:
    office: list[User]
    leaders: list[User]
    liaisons: dict[int, list[User]]  # unit pk -> its liaisons
    units: dict[str, Unit]
    towns: list[Unit]
    duties: dict[int, list[Duty]]  # unit pk -> the department duties resting on it


@dataclass
class Volume:
    """Work of one year. The defaults are a busy county: over ten years about 500 meetings,
    14,000 agenda items (5,000 from the units), 10,000 cases and 24,000 tasks."""

    special: int = 37
    written: int = 13
    unit_items: int = 500
    cases: int = 1000
    office_tasks: int = 200

    def scaled(self, factor: float) -> "Volume":
        return Volume(
            *(max(1, round(getattr(self, f) * factor)) for f in self.__dataclass_fields__)
        )


class Scheduler:
    """Runs stories' steps in time order, each with the clock at its moment."""

    def __init__(self, start: datetime.datetime, until: datetime.datetime, progress=None):
        self.start, self.until, self.progress = start, until, progress
        self.queue: list = []
        self.counter = 0
        self.steps = 0

    def spawn(self, story, at: datetime.datetime):
        self.counter += 1
        heapq.heappush(self.queue, (at, self.counter, story))

    def run(self):
        span = (self.until - self.start).total_seconds() or 1
        while self.queue:
            at, _, story = heapq.heappop(self.queue)
            if at > self.until:
                continue  # not yet happened: the story stays where it is
            with time_machine.travel(at, tick=False):
                try:
                    following = next(story)
                except StopIteration:
                    following = None
            self.steps += 1
            if following is not None:
                self.spawn(story, max(following, at + datetime.timedelta(seconds=1)))
            if self.progress and self.steps % 200 == 0:
                self.progress((at - self.start).total_seconds() / span, at)


def aware(day: datetime.date, hour=9, minute=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


def workday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += DAY
    return day


class Year:
    """The stories of one calendar year.

    `finished`: a year long past, whose work is all done by `until` (the template the later
    copies are made from). Everything that takes a number (minutes, cases, escalations) then
    happens within the year, so that a copy shifted by whole years never reuses a number.
    """

    def __init__(self, year: int, people: People, volume: Volume, *, finished: bool, seed: int):
        self.year, self.people, self.volume, self.finished = year, people, volume, finished
        self.rng = random.Random(seed)
        self.open_meetings: list[Meeting] = []  # drafted or notified, in order of date
        self.accepted: list[AgendaItem] = []  # accepted unit items waiting for a meeting
        self.scheduler: Scheduler | None = None

    # --- small helpers ---------------------------------------------------------------------

    def later(self, lo: float, hi: float, base: datetime.datetime | None = None):
        """A moment in office hours lo..hi days after `base` (default: now)."""
        base = base or timezone.now()
        moment = timezone.localtime(base) + datetime.timedelta(days=self.rng.uniform(lo, hi))
        day = workday(moment.date())
        if day != moment.date() or not 8 <= moment.hour < 18:
            moment = aware(day, self.rng.randint(8, 16), self.rng.randrange(60))
        return max(moment, base + datetime.timedelta(minutes=1))

    def office(self) -> User:
        return self.rng.choice(self.people.office)

    def liaison(self, unit_id) -> User:
        return self.rng.choice(self.people.liaisons[unit_id])

    # Names of officials (successors, delegates, observers) and of the people in cases are kept
    # apart: the minutes list the officials present, and issuance refuses minutes whose text
    # holds the name of anyone in any case (meetings/privacy.py), as it must.
    _officials: str | None = None
    _case_names: set[str] | None = None

    def _load_names(self):
        if self._officials is None:
            self._officials = "\n".join(
                [*Person.objects.values_list("name", flat=True)]
                + [
                    n
                    for pair in Attendance.objects.values_list("name", "delegate_name")
                    for n in pair
                ]
            )
            self._case_names = set(Case.objects.values_list("applicant", flat=True)) | set(
                HouseholdMember.objects.values_list("name", flat=True)
            )

    def name(self) -> str:
        """A name for someone in a case: never within an official's name."""
        self._load_names()
        while True:
            name = self._new_name()
            if name not in self._officials:
                self._case_names.add(name)
                return name

    def official_name(self) -> str:
        """A name for an official: holding no case's name."""
        self._load_names()
        while True:
            name = self._new_name()
            parts = {name[i:j] for i in range(len(name)) for j in range(i + 2, len(name) + 1)}
            if not parts & self._case_names:
                self._officials += "\n" + name
                return name

    def _new_name(self) -> str:
        if self.rng.random() < 0.08:
            return self.rng.choice(w.MONGOLIAN_NAMES)
        rng = self.rng
        return (
            rng.choice(w.SURNAMES)
            + rng.choice(w.GIVEN)
            + (rng.choice(w.GIVEN) * (rng.random() < 0.7))
        )

    def id_number(self, age: int) -> str:
        born = timezone.localdate() - datetime.timedelta(
            days=int(age * 365.25) + self.rng.randrange(365)
        )
        return make_id(self.rng.choice(w.REGIONS), born, self.rng.randrange(1000))

    def spread(self, n: int, first: datetime.date, last: datetime.date):
        """n moments spread evenly (with noise) over first..last, sorted."""
        span = (last - first).days
        days = sorted(self.rng.uniform(0, span) for _ in range(n))
        return [self.later(0, 0, aware(first + datetime.timedelta(days=d), 8)) for d in days]

    def spawn(self, story, at):
        self.scheduler.spawn(story, at)

    # --- the year --------------------------------------------------------------------------

    def plan(self, scheduler: Scheduler):
        """Spawn every story of the year; the scheduler runs them."""
        self.scheduler = scheduler
        y, v = self.year, self.volume
        # What takes a number ends within the year in a finished year (see the class).
        last_meeting = datetime.date(y, 11, 20) if self.finished else datetime.date(y, 12, 28)
        last_case = datetime.date(y, 10, 31) if self.finished else datetime.date(y, 12, 31)
        june = workday(datetime.date(y, 6, 10))
        self.spawn(
            self.meeting(Meeting.Kind.PLENARY, aware(june, 9, 30)), aware(june, 9) - 21 * DAY
        )
        for kind, n in ((Meeting.Kind.SPECIAL, v.special), (Meeting.Kind.WRITTEN, v.written)):
            for at in self.spread(n, datetime.date(y, 1, 20), last_meeting):
                starts = aware(at.date(), self.rng.choice([9, 10, 15]), self.rng.choice([0, 30]))
                self.spawn(self.meeting(kind, starts), starts - 21 * DAY)
        for at in self.spread(v.unit_items, datetime.date(y, 1, 2), datetime.date(y, 11, 30)):
            self.spawn(self.unit_item(), at)
        for at in self.spread(v.cases, datetime.date(y, 1, 2), last_case):
            self.spawn(self.case(), at)
        for at in self.spread(v.office_tasks, datetime.date(y, 1, 5), datetime.date(y, 11, 30)):
            self.spawn(self.office_task(), at)
        if not self.finished:
            for at in self.spread(3, datetime.date(y, 3, 1), datetime.date(y, 10, 31)):
                self.spawn(self.succession(), at)
        # 救助信息报送: each quarter's figures, asked for on the first workday after it ends
        # (the fourth quarter's in January; a finished year's scheduler runs into June).
        ensure_indicators(self.people.office[0])
        for quarter in (1, 2, 3, 4):
            end = datetime.date(y + (quarter == 4), 1 if quarter == 4 else quarter * 3 + 1, 1)
            self.spawn(self.report_round(quarter), aware(workday(end), 9))
        # 年度考评 of the year: drafted in December; a finished year's is published in January.
        self.spawn(self.assessment(), aware(workday(datetime.date(y, 12, 1)), 10))

    # --- meetings and minutes --------------------------------------------------------------

    def meeting(self, kind, starts_at):
        rng, units = self.rng, self.people.units
        yield self.later(0, 1, starts_at - 21 * DAY)
        office = self.office()
        day = timezone.localtime(starts_at).date()
        if kind == Meeting.Kind.PLENARY:
            title = f"{day.year}年社会救助联席会议全体会议"
            invited = []
        elif kind == Meeting.Kind.SPECIAL:
            title = f"{rng.choice(w.SPECIAL_TOPICS)}专题会议"
            invited = rng.sample(list(units.values())[1:], rng.randint(4, 9))
        else:
            title = f"{rng.choice(w.WRITTEN_TOPICS)}书面审议"
            invited = rng.sample(list(units.values())[1:], rng.randint(5, 10))
        meeting = meetings.create_meeting(
            meetings.MeetingData(
                kind=kind,
                title=title,
                starts_at=starts_at,
                place="" if kind == Meeting.Kind.WRITTEN else rng.choice(w.PLACES),
                convener_seat=(
                    Seat.objects.get(role=rng.choice([Seat.Role.LEADER, Seat.Role.DEPUTY]))
                    if kind == Meeting.Kind.PLENARY
                    else None
                ),
                invited_units=invited,
                opinion_deadline=(
                    aware(workday(day + 5 * DAY), 17, 30) if kind == Meeting.Kind.WRITTEN else None
                ),
            ),
            by=office,
        )
        self.open_meetings.append(meeting)
        self.open_meetings.sort(key=lambda m: m.starts_at)
        # The office puts accepted items from the units on the agenda, ten days ahead.
        yield self.later(0, 1, starts_at - 10 * DAY)
        wanted = {Meeting.Kind.PLENARY: 4, Meeting.Kind.SPECIAL: rng.randint(6, 14)}.get(kind, 1)
        for item in self.accepted[:wanted]:
            meetings.schedule_item(item, by=office, meeting=meeting)
        del self.accepted[:wanted]
        notify_at = starts_at if kind == Meeting.Kind.WRITTEN else starts_at - 5 * DAY
        yield self.later(0, 0.3, notify_at)
        if not meeting.agenda_items.exists():
            self.open_meetings.remove(meeting)
            meetings.cancel_meeting(meeting, by=office)
            return
        meeting = meetings.notify_meeting(meeting, by=office)
        if kind == Meeting.Kind.WRITTEN:
            for unit in meeting.invited_units.all():
                if rng.random() < 0.85:
                    self.spawn(self.opinion(meeting, unit), self.later(0.1, 4.5, starts_at))
            yield meeting.opinion_deadline + HOUR
        else:
            yield starts_at + 3 * HOUR
        self.open_meetings.remove(meeting)
        meeting = meetings.hold_meeting(meeting, by=office)
        if kind != Meeting.Kind.WRITTEN:
            rows = []
            for a in meeting.attendances.filter(status=Attendance.Status.PRESENT):
                r = rng.random()
                if r < 0.10:
                    rows.append((a.pk, "leave", "", ""))
                elif r < 0.16:
                    rows.append((a.pk, "delegate", self.official_name(), f"{a.post[:20]}委托人"))
            meetings.record_attendance(meeting, rows, by=office)
            if rng.random() < 0.3:
                meetings.add_observer(
                    meeting, by=office, name=self.official_name(), post="旗审计局副局长"
                )
        yield from self.minutes(meeting)

    def opinion(self, meeting, unit):
        if timezone.now() > meeting.opinion_deadline:
            return  # too late: the unit missed it, as units do
        choice = self.rng.choices(["agree", "comment", "disagree"], [80, 15, 5])[0]
        text = "" if choice == "agree" else self.rng.choice(w.PROBLEMS) + "，建议进一步完善方案。"
        meetings.record_opinion(meeting, by=self.liaison(unit.pk), choice=choice, text=text)
        return
        yield

    def minutes(self, meeting):
        rng = self.rng
        yield self.later(1, 2)
        office = self.office()
        minutes = meetings.create_minutes(meeting, by=office)
        items = list(meeting.agenda_items.select_related("unit").order_by("order"))
        cases_here = [i for i in items if hasattr(i, "case")]
        day = timezone.localtime(meeting.starts_at).date()
        summary = (
            f"{day.month}月{day.day}日，{meeting.title}召开，研究了{len(items)}项议题"
            + (f"，审议了{len(cases_here)}件急难救助个案" if cases_here else "")
            + "。会议要求各成员单位按照职责分工抓好落实。"
        )
        all_units = list(self.people.units.values())[1:]
        decisions = [
            meetings.DecisionData(
                text=f"关于{item.title.removeprefix('关于').removesuffix('的议题')}，"
                f"由{item.unit.name}牵头{rng.choice(w.ACTIONS)}。",
                lead_unit=item.unit,
                responsible_units=rng.sample(all_units, rng.choice([0, 1, 1, 2, 3])),
                deadline=day + rng.randint(20, 80) * DAY,
            )
            for item in items
            if not hasattr(item, "case")
        ]
        decisions.append(
            meetings.DecisionData(
                text="各成员单位按照职责分工落实会议议定的救助措施，按月向办公室报送进展。",
                lead_unit=self.people.units["旗民政局"],
                responsible_units=rng.sample(all_units, 2),
                deadline=day + 30 * DAY,
            )
        )
        minutes = meetings.save_minutes(
            minutes, by=office, version=minutes.version, summary=summary, decisions=decisions
        )
        yield self.later(1, 3)
        minutes = meetings.submit_minutes(minutes, by=office)
        yield self.later(1, 3)
        leader = rng.choice(self.people.leaders)
        if rng.random() < 0.12:
            minutes = meetings.return_minutes(
                minutes, by=leader, comment="请补充责任单位和完成时限。"
            )
            yield self.later(1, 2)
            minutes = meetings.save_minutes(
                minutes,
                by=office,
                version=minutes.version,
                summary=minutes.summary + "\n\n会议强调，要压实责任、按期办结。",
                decisions=decisions,
            )
            minutes = meetings.submit_minutes(minutes, by=office)
            yield self.later(1, 2)
        minutes = meetings.approve_minutes(
            minutes, by=leader, comment=rng.choice(["", "同意印发。"])
        )
        yield self.later(0.5, 2)
        minutes = meetings.issue_minutes(minutes, by=self.office())
        for distribution in minutes.distributions.all():
            if rng.random() < 0.95:
                self.spawn(self.receipt(minutes, distribution.unit_id), self.later(0.1, 10))
        for decision in minutes.decisions.select_related("task"):
            self.spawn(self.task(decision.task), self.later(1, 4))

    def receipt(self, minutes, unit_id):
        liaison = self.liaison(unit_id)
        meetings.record_download(minutes, by=liaison)
        if self.rng.random() < 0.92:
            yield self.later(0, 0.1)
            meetings.acknowledge(minutes, by=liaison)
        if self.rng.random() < 0.2:
            yield self.later(1, 20)
            meetings.record_download(minutes, by=self.liaison(unit_id))

    # --- agenda items from the units ---------------------------------------------------------

    def unit_item(self):
        rng, people = self.rng, self.people
        unit = rng.choice([u for u in people.units.values() if u.pk in people.liaisons])
        topics = w.UNIT_TOPICS.get(unit.name) or w.TOWN_TOPICS
        topic = rng.choice(topics)
        by = self.liaison(unit.pk)
        item = meetings.submit_item(
            by=by,
            title=f"关于{topic}的议题",
            background=f"{unit.name}在工作中发现{rng.choice(w.PROBLEMS)}，需要联席会议研究。",
            proposal=f"建议{rng.choice(w.ACTIONS)}，由{unit.short_name}牵头，相关单位配合。",
            duty=rng.choice(people.duties.get(unit.pk) or [None]),
        )
        r = rng.random()
        if r < 0.05:
            yield self.later(0.5, 3)
            meetings.withdraw_item(item, by=by)
            return
        yield self.later(1, 5)
        office = self.office()
        if r < 0.10:
            meetings.review_item(
                item,
                by=office,
                action="reject",
                comment="不属于联席会议研究范围，请按部门职责办理。",
            )
            return
        if r < 0.25:
            item = meetings.review_item(
                item, by=office, action="return", comment="请补充涉及人数和资金测算。"
            )
            if r < 0.27 and not self.finished:
                return  # still with the unit
            yield self.later(2, 7)
            item = meetings.update_item(
                item,
                by=self.liaison(unit.pk),
                version=item.version,
                title=item.title,
                background=item.background + "涉及困难群众约" + str(rng.randint(30, 900)) + "户。",
                proposal=item.proposal,
                duty=item.duty,
            )
            yield self.later(1, 3)
        item = meetings.review_item(item, by=self.office(), action="accept")
        self.accepted.append(item)

    # --- urgent cases --------------------------------------------------------------------------

    def case(self):
        rng, people = self.rng, self.people
        town = rng.choice(people.towns)
        category = rng.choices(list(w.MEASURES), [35, 15, 12, 15, 15, 8])[0]
        age = rng.randint(19, 82)
        by = self.office() if rng.random() < 0.7 else self.liaison(town.pk)
        household = [
            cases.MemberData(
                self.name(), relation, self.id_number(member_age), rng.choice(w.CONDITIONS)
            )
            for relation, member_age in (
                ("配偶", max(19, age + rng.randint(-5, 5))),
                ("子女", max(1, age - 26)),
            )[: rng.randint(0, 2)]
        ]
        case = cases.register_case(
            cases.CaseData(
                applicant=self.name(),
                id_number=self.id_number(age),
                phone=rng.choice(w.PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                town=town,
                address=f"{town.name}{rng.choice(w.VILLAGES)}{rng.randint(1, 12)}社",
                category=category,
                facts=f"申请人{age}岁，{rng.choice(w.INCOMES).format(n=rng.choice([400, 600, 800]))}，"
                f"近期因{Case.Category(category).label}致家庭基本生活出现严重困难。",
                requested_help=f"申请临时救助{rng.randrange(10, 300) * 100:,}元。",
                found_by=rng.choice([Case.Found.ACTIVE, Case.Found.APPLIED]),
                urgency=rng.choices(list(Case.Urgency), [30, 55, 15])[0],
                household=household,
            ),
            by=by,
        )
        yield self.later(0, 1)
        office = self.office()
        if rng.random() < 0.1:
            cases.view_full_record(case, by=office)
        asked = []
        for unit_name in rng.sample(list(w.VERIFY), rng.randint(2, 3)):
            subject, answer = w.VERIFY[unit_name]
            v = cases.request_verification(
                case, by=office, unit=people.units[unit_name], subject=subject
            )
            asked.append(v)
            self.spawn(self.answer(v, answer), self.later(1, 6))
        while case.verifications.filter(answered_at__isnull=True).exists():
            yield self.later(2, 3)
        yield self.later(0, 1)
        if rng.random() < 0.08:
            cases.refuse_case(
                case, by=self.office(), reason="经核对，家庭收入和财产状况不符合急难救助条件。"
            )
            return
        meeting = None
        for _ in range(12):
            meeting = next(
                (
                    m
                    for m in self.open_meetings
                    if m.kind in (Meeting.Kind.SPECIAL, Meeting.Kind.WRITTEN)
                    and m.starts_at > timezone.now() + DAY
                ),
                None,
            )
            if meeting:
                break
            yield self.later(5, 7)
        if meeting is None:
            return  # waits for the next meeting, verified
        case = cases.submit_for_deliberation(case, by=self.office(), meeting=meeting)
        held = meeting.opinion_deadline or meeting.starts_at
        yield self.later(1, 2, held)
        measures = [
            cases.MeasureData(
                people.units[unit_name],
                description,
                timezone.localdate() + rng.randint(7, 30) * DAY,
                Decimal(rng.randrange(amount[0], amount[1]) // 100 * 100) if amount else None,
            )
            for unit_name, description, amount in w.MEASURES[category]
            if rng.random() < 0.8
        ] or [
            cases.MeasureData(
                people.units["旗民政局"],
                "给予临时救助",
                timezone.localdate() + 10 * DAY,
                Decimal(3000),
            )
        ]
        case = cases.record_decision(case, by=self.office(), measures=measures)
        yield self.later(0.5, 3)
        case = cases.start_measures(case, by=self.office())
        for measure in case.measures.select_related("task"):
            self.spawn(self.task(measure.task), self.later(0.5, 2))
        while case.measures.filter(task__status=Task.Status.OPEN).exists():
            yield self.later(5, 9)
        cases.close_case(case, by=self.office())

    def answer(self, verification, answer):
        cases.answer_verification(
            verification, by=self.liaison(verification.unit_id), answer=answer
        )
        return
        yield

    # --- 救助信息报送 and 年度考评 -----------------------------------------------------------

    def report_round(self, quarter):
        """The units send their figures: most within the 15 days, some late, a few never."""
        rng = self.rng
        units = [
            u
            for u in self.people.units.values()
            if u.pk in self.people.liaisons and u.kind in REPORTING_KINDS
        ]
        opened = timezone.localdate()
        round_ = duties.open_round(
            by=self.office(),
            period="quarter",
            year=self.year,
            number=quarter,
            deadline=opened + 15 * DAY,
            units=units,
            indicators=list(Indicator.objects.filter(active=True)),
        )
        sending = []
        for report in round_.reports.all():
            r = rng.random()
            if r < 0.04:
                continue  # 缺报
            days = rng.uniform(1, 14) if r < 0.88 else rng.uniform(16, 24)
            sending.append((self.later(days, days), report))
        sending.sort(key=lambda pair: pair[0])
        for at, report in sending:
            yield at
            lines = report.lines.select_related("indicator")
            values = {
                line.indicator_id: str(
                    rng.randint(0, 400) * (150 if line.indicator.kind == "money" else 1)
                )
                for line in lines
            }
            duties.submit_report(report, by=self.liaison(report.unit_id), values=values)
        yield self.later(26, 28, aware(opened, 9))
        office = self.office()
        for report in round_.reports.filter(status=Report.Status.SUBMITTED):
            duties.accept_report(report, by=office)
        duties.close_round(round_, by=office)
        yield self.later(1, 3)
        duties.publish_round(round_, by=self.office())

    def assessment(self):
        scheme = duties.create_scheme(by=self.office(), year=self.year)
        if not self.finished:
            return
        yield aware(workday(datetime.date(self.year + 1, 1, 20)), 10)
        duties.submit_scheme(scheme, by=self.office())
        yield self.later(2, 5)
        duties.approve_scheme(scheme, by=self.rng.choice(self.people.leaders))
        yield self.later(1, 3)
        duties.publish_scheme(scheme, by=self.office())

    # --- tasks and supervision ---------------------------------------------------------------

    def office_task(self):
        rng, units = self.rng, list(self.people.units.values())[1:]
        lead = rng.choice(units)
        task = duties.create_task(
            title=rng.choice(w.OFFICE_PREFIXES) + rng.choice(w.OFFICE_TASKS),
            source=Task.Source.OFFICE,
            source_label="办公室交办",
            lead_unit=lead,
            responsible_units=rng.sample(units, rng.choice([0, 1, 2, 4])),
            deadline=timezone.localdate() + rng.randint(10, 60) * DAY,
            by=self.office(),
        )
        yield self.later(0.5, 2)
        yield from self.task(task)

    def task(self, task):
        """The units report and finish their parts; a late task is escalated, step by step."""
        rng = self.rng
        r = rng.random()
        late, extend, cancel = r < 0.12, 0.12 <= r < 0.20, 0.20 <= r < 0.23
        deadline = task.deadline
        today = timezone.localdate()
        if cancel:
            yield self.later(3, 20)
            duties.close_task(task, by=self.office(), reason=rng.choice(w.CLOSE_REASONS))
            return
        if extend and deadline and (deadline - today).days > 4:
            yield self.later(0, 0, aware(deadline - rng.randint(2, 4) * DAY, 10))
            lead = task.units.get(role=TaskUnit.Role.LEAD)
            extension = duties.request_extension(
                task,
                by=self.liaison(lead.unit_id),
                new_deadline=deadline + rng.randint(15, 40) * DAY,
                reason=rng.choice(w.EXTENSION_REASONS),
            )
            yield self.later(1, 2)
            approve = rng.random() < 0.8
            extension = duties.decide_extension(
                extension,
                by=self.office(),
                approve=approve,
                comment="" if approve else "延期理由不充分，请按原时限办结。",
            )
            task.refresh_from_db()
            deadline = task.deadline
        # When each unit finishes its part: before the deadline, or well after it when late.
        start = timezone.now()
        if deadline is None:
            end = start + 30 * DAY
        elif late:
            end = aware(deadline, 9) + rng.randint(8, 45) * DAY
        else:
            end = max(aware(deadline, 9) - DAY, start + 2 * DAY)
        parts = list(task.units.all())
        plan = []
        for part in parts:
            done = self.later(0, 0, start + (end - start) * rng.uniform(0.3, 0.95))
            first = self.later(0, 0, start + (done - start) * rng.uniform(0.2, 0.8))
            plan.append((first, "feedback", part))
            if rng.random() < 0.3:
                plan.append((self.later(0, 0, first + (done - first) / 2), "feedback", part))
            plan.append((done, "feedback" if part.role == TaskUnit.Role.LEAD else "done", part))
        if late and deadline:
            for level, days in (
                (Escalation.Level.NOTICE, 3),
                (Escalation.Level.INTERVIEW, 15),
                (Escalation.Level.LISTED, 30),
            ):
                at = self.later(0, 0.5, aware(deadline, 9) + days * DAY)
                if at < end:  # the office escalates only while the task is still late
                    plan.append((at, level, None))
        plan.sort(key=lambda p: p[0])
        escalations = []
        for at, action, part in plan:
            yield at
            task.refresh_from_db()
            if task.is_closed:
                break
            if action == "feedback" or action == "done":
                by = self.liaison(part.unit_id)
                if (
                    action == "done"
                    or not task.feedback.filter(unit_id=part.unit_id).exists()
                    or rng.random() < 0.6
                ):
                    duties.add_feedback(
                        task,
                        by=by,
                        text=rng.choice(w.FEEDBACK).format(
                            n=rng.randint(10, 400), a=rng.randint(2, 90)
                        ),
                        date=timezone.localdate(),
                    )
                if action == "done":
                    duties.mark_part_done(task, by=by)
            else:
                date = timezone.localdate()
                if self.finished and date.year != self.year:
                    continue  # its number would belong to the next year (see the class)
                lagging = task.units.filter(done_at__isnull=True).select_related("unit").first()
                unit = lagging.unit
                escalations.append(
                    duties.escalate(
                        task,
                        by=self.office(),
                        unit=unit,
                        level=action,
                        date=date,
                        content=f"{unit.name}承担的“{task.title[:40]}”逾期未完成，予以{Escalation.Level(action).label}。",
                        attendees=f"{unit.short_name}分管负责人、办公室工作人员"
                        if action == Escalation.Level.INTERVIEW
                        else "",
                        agreed="两周内办结并报办公室备案。"
                        if action == Escalation.Level.INTERVIEW
                        else "",
                        rectify_by=date + 15 * DAY if action == Escalation.Level.LISTED else None,
                    )
                )
        else:
            yield self.later(0.5, 3)
            lead = next(p for p in parts if p.role == TaskUnit.Role.LEAD)
            duties.complete_task(task, by=self.liaison(lead.unit_id))
            for escalation in escalations:
                yield self.later(1, 5)
                duties.resolve_escalation(
                    escalation, by=self.office(), resolution="已按期整改到位，相关工作已办结。"
                )

    # --- the roster ------------------------------------------------------------------------------

    def succession(self):
        seat = self.rng.choice(list(Seat.objects.filter(role=Seat.Role.MEMBER)))
        members.record_succession(
            seat,
            name=self.official_name(),
            post=seat.post,
            start=timezone.localdate(),
            by=self.office(),
        )
        return
        yield
