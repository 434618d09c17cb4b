"""分送 and 抄送: every issued minutes goes to every member unit and, as 抄送, to the 旗人民政府办公室,
whatever the meeting's kind; the office narrows the 分送 only with a reason and adds 抄送 outside
the system as text; the 版记 of the issued PDF states exactly the recorded distribution."""

import io
import re

import pdfplumber
import pytest

from meetings import services
from meetings.models import Distribution
from members.models import Unit
from tests.factories import approved_minutes, aware

pytestmark = pytest.mark.django_db


def banji_of(pdf: bytes) -> tuple[str, str]:
    """The 分送 and 抄送 of the last page's 版记, wrapped lines joined."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = doc.pages[-1].extract_text()
    flat = text.replace("\n", "")
    main = re.search(r"分送：(.*?)。", flat).group(1)
    copy = re.search(r"抄送：(.*?)。", flat).group(1)
    return main, copy


def rows(minutes, kind) -> set[str]:
    return set(minutes.distributions.filter(kind=kind).values_list("unit__name", flat=True))


def member_names() -> set[str]:
    return set(services.member_units().values_list("name", flat=True))


def check_banji_states_the_rows(minutes):
    minutes.refresh_from_db()
    main, copy = banji_of(minutes.pdf.read())
    sent = rows(minutes, Distribution.Kind.MAIN)
    if main == "各成员单位":
        assert sent == member_names()
    else:
        assert main.split("，") == [
            u.name for u in Unit.objects.filter(name__in=sent).order_by("order", "pk")
        ]
    copied = rows(minutes, Distribution.Kind.COPY)
    extra = services.copy_extra_names(minutes.copy_extra)
    assert copy.split("，") == sorted(copied) + extra
    return main, copy


@pytest.mark.parametrize("kind", ["plenary", "special", "written"])
def test_every_kind_of_meeting_goes_to_every_member_unit_and_the_government_office(
    office, leader, liaison, kind
):
    kw = {"kind": kind, "units": () if kind == "plenary" else ("旗民政局", "旗教体局")}
    if kind == "written":
        kw["opinion_deadline"] = aware(2026, 6, 1)
    minutes = approved_minutes(office, leader, liaison, **kw)
    services.issue_minutes(minutes, by=office)
    main, copy = check_banji_states_the_rows(minutes)
    assert main == "各成员单位" and copy == "旗人民政府办公室"
    assert rows(minutes, Distribution.Kind.MAIN) == member_names()
    assert len(member_names()) == Unit.objects.count() - 2  # not 旗人民政府, not 政府办
    assert rows(minutes, Distribution.Kind.COPY) == {"旗人民政府办公室"}


def test_a_narrowed_distribution_is_printed_unit_by_unit_with_extra_copies(office, leader, liaison):
    sent_to = ("旗教体局", "旗民政局", "札萨克镇")
    minutes = approved_minutes(office, leader, liaison, sent_to=sent_to)
    minutes.status = "draft"  # back to the draft, to add 抄送 outside the system
    minutes.save(update_fields=["status"])
    services.save_minutes(
        minutes,
        by=office,
        version=minutes.version,
        summary=minutes.summary,
        decisions=[
            services.DecisionData(d.text, d.lead_unit, list(d.responsible_units.all()))
            for d in minutes.decisions.all()
        ],
        distribution=services.DistributionData(
            narrowed_units=list(Unit.objects.filter(name__in=sent_to)),
            reason="只涉及教育救助，经组长同意只分送相关单位",
            copy_extra="鄂尔多斯市民政局、 鄂尔多斯市教育局",
        ),
    )
    services.submit_minutes(minutes, by=office)
    services.approve_minutes(minutes, by=leader)
    services.issue_minutes(minutes, by=office)
    main, copy = check_banji_states_the_rows(minutes)
    assert main == "旗民政局，旗教体局，札萨克镇"  # roster order
    assert copy == "旗人民政府办公室，鄂尔多斯市民政局，鄂尔多斯市教育局"
    assert rows(minutes, Distribution.Kind.MAIN) == set(sent_to)
    step = minutes.steps.get(action="issued")
    assert "分送3个单位" in step.comment and "只涉及教育救助" in step.comment
    assert minutes.history.filter(narrow_reason__startswith="只涉及教育救助").exists()


def refused(call, message):
    with pytest.raises(services.MeetingsError) as e:
        call()
    assert message in str(e.value)


def test_narrowing_needs_a_reason_and_member_units(office, leader, liaison):
    minutes = approved_minutes(office, leader, liaison)
    minutes.status = "draft"
    minutes.save(update_fields=["status"])

    def save(**kw):
        services.save_minutes(
            minutes,
            by=office,
            version=minutes.version,
            summary="x",
            decisions=[],
            distribution=services.DistributionData(**kw),
        )

    units = list(Unit.objects.filter(name__in=["旗民政局"]))
    refused(lambda: save(narrowed_units=units), "请写明缩小分送范围的原因")
    government = list(Unit.objects.filter(name="旗人民政府办公室"))
    refused(lambda: save(narrowed_units=government, reason="x"), "只能从成员单位中选择")
    refused(lambda: save(copy_extra="旗人民政府办公室"), "总是抄送")
    refused(lambda: save(copy_extra="市民政局 13804770001"), "手机号码")
    minutes.refresh_from_db()
    assert not minutes.narrowed_units.exists() and minutes.copy_extra == ""
    # Choosing every member unit is no narrowing: nothing to explain, 各成员单位 printed.
    save(narrowed_units=list(services.member_units()))
    minutes.refresh_from_db()
    assert not minutes.narrowed_units.exists()
    assert services.planned_distribution(minutes).all_members
