"""年度考评: scores computed from the record against a hand-worked example, 一票否决, the
leader's approval, frozen published results, who sees what, the export and the PDF."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from duties import services
from duties.assessment import compute_results, find, results
from duties.models import MANUAL, Scheme, Task, UnitResult
from duties.services import DutiesError
from jiuzhu.backup import table_checksums
from members.models import Unit

pytestmark = pytest.mark.django_db
D = datetime.date
ITEMS = [
    ("tasks_on_time", "督办事项按时办结", Decimal(40)),
    ("feedback_in_time", "进展反馈及时", Decimal(20)),
    ("escalations", "督办问责扣分", Decimal(20)),
    (MANUAL, "主动发现（办公室评分）", Decimal(20)),
]


def unit(name):
    return Unit.objects.get(name=name)


def data_tables():
    tables = table_checksums()
    tables.pop("django_session", None)
    return tables


def refused(call, message):
    before = data_tables()
    with pytest.raises(DutiesError, match=message):
        call()
    assert data_tables() == before


def on(day):
    return time_machine.travel(datetime.datetime(*day, 10, 0, tzinfo=datetime.UTC), tick=False)


@pytest.fixture
def record(office, liaison, liaison2):
    """The hand-worked year 2026 (see the scores in test_scores_match_the_hand_worked_example)."""
    with on((2026, 3, 1)):
        a = services.create_task(
            title="任务甲",
            source=Task.Source.OFFICE,
            lead_unit=unit("旗民政局"),
            responsible_units=[unit("旗教体局")],
            deadline=D(2026, 3, 31),
            by=office,
        )
        b = services.create_task(
            title="任务乙",
            source=Task.Source.OFFICE,
            lead_unit=unit("旗民政局"),
            deadline=D(2026, 5, 31),
            by=office,
        )
    with on((2026, 3, 20)):
        services.add_feedback(a, by=liaison, text="进行中", date=D(2026, 3, 20))
    with on((2026, 3, 25)):
        services.mark_part_done(a, by=liaison)
    with on((2026, 4, 5)):
        services.add_feedback(a, by=liaison2, text="已完成", date=D(2026, 4, 5))
    with on((2026, 4, 6)):
        services.mark_part_done(a, by=liaison2)
        services.complete_task(a, by=liaison)
    with on((2026, 5, 10)):
        services.add_feedback(b, by=liaison, text="进行中", date=D(2026, 5, 10))
    with on((2026, 6, 1)):
        services.escalate(
            b, by=office, unit=unit("旗民政局"), level=1, date=D(2026, 6, 1), content="逾期未完成"
        )
    with on((2026, 6, 10)):
        services.complete_task(b, by=liaison)
    return a, b


@pytest.fixture
def scheme(office, record):
    return services.create_scheme(by=office, year=2026, items=ITEMS)


def manual_item(scheme):
    return scheme.items.get(source=MANUAL)


def test_scores_match_the_hand_worked_example(office, scheme):
    services.score_manually(
        scheme,
        by=office,
        item=manual_item(scheme),
        unit=unit("旗民政局"),
        score=Decimal(15),
        note="主动发现困难群众 12 户",
    )
    rows = compute_results(scheme, today=D(2026, 12, 1))
    mz = find(rows, unit("旗民政局").pk)
    # 任务甲 on time, 任务乙 late: 40 × 1/2; both fed back in time: 20; one 通报: 20 − 2; 15 by hand.
    assert [b["score"] for b in mz["breakdown"]] == ["20.00", "20.00", "18.00", "15.00"]
    assert mz["score"] == Decimal("73.00") and mz["grade_label"] == "合格"
    jt = find(rows, unit("旗教体局").pk)
    # late part, late feedback, no escalation (full 20), not scored by hand.
    assert [b["score"] for b in jt["breakdown"]] == ["0.00", "0.00", "20.00", "0.00"]
    assert jt["grade_label"] == "不合格"
    other = find(rows, unit("旗财政局").pk)
    assert other["score"] == Decimal("80.00") and other["grade_label"] == "良好"
    assert other["breakdown"][0]["text"] == "无相关记录，按满分计"


def test_every_number_links_to_its_records(scheme, record):
    a, b = record
    mz = find(compute_results(scheme, today=D(2026, 12, 1)), unit("旗民政局").pk)
    tasks = mz["breakdown"][0]["details"]
    assert [(d["label"], d["url"], d["ok"]) for d in tasks] == [
        ("任务甲", a.get_absolute_url(), True),
        ("任务乙", b.get_absolute_url(), False),
    ]
    escalation = mz["breakdown"][2]["details"][0]
    assert escalation["label"].startswith("督通〔2026〕1号") and escalation["note"] == "扣 2 分"


def test_weights_must_sum_to_100(office, record):
    refused(
        lambda: services.create_scheme(
            by=office,
            year=2026,
            items=[("tasks_on_time", "督办", Decimal(60)), (MANUAL, "手工", Decimal(30))],
        ),
        "合计应为 100 分，现为 90 分",
    )
    scheme = services.create_scheme(by=office, year=2026)
    assert sum(i.weight for i in scheme.items.all()) == 100
    weights = {i.pk: i.weight for i in scheme.items.all()}
    first = next(iter(weights))
    weights[first] += 1
    refused(
        lambda: services.save_scheme_items(
            scheme, by=office, weights=weights, thresholds=(90, 80, 60)
        ),
        "现为 101 分",
    )
    weights[first] -= 1
    refused(
        lambda: services.save_scheme_items(
            scheme, by=office, weights=weights, thresholds=(70, 80, 60)
        ),
        "分数线应满足",
    )


def test_the_default_scheme_reads_meetings_too(office, record):
    scheme = services.create_scheme(by=office, year=2026)
    sources = [i.source for i in scheme.items.all()]
    assert "attendance" in sources and "minutes_ack" in sources


def test_a_veto_makes_the_unit_fail_whatever_its_score(office, scheme):
    refused(
        lambda: services.veto_unit(scheme, by=office, unit=unit("旗财政局"), reason="虚报数据"),
        "请上传一票否决的依据材料",
    )
    refused(
        lambda: services.veto_unit(
            scheme,
            by=office,
            unit=unit("旗财政局"),
            reason=" ",
            files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")],
        ),
        "请写明一票否决的理由",
    )
    services.veto_unit(
        scheme,
        by=office,
        unit=unit("旗财政局"),
        reason="虚报救助资金发放数据",
        files=[SimpleUploadedFile("通报.pdf", b"%PDF-1.4 e")],
    )
    rows = compute_results(scheme, today=D(2026, 12, 1))
    fin = find(rows, unit("旗财政局").pk)
    assert fin["score"] == Decimal("80.00") and fin["grade_label"] == "不合格"
    assert fin["veto_reason"] == "虚报救助资金发放数据"
    assert rows[-1]["unit_id"] == unit("旗财政局").pk  # ranked after every unit not vetoed


def test_manual_scores_need_a_note_and_stay_within_the_weight(office, scheme):
    item = manual_item(scheme)
    refused(
        lambda: services.score_manually(
            scheme, by=office, item=item, unit=unit("旗民政局"), score=Decimal(21), note="x"
        ),
        "0 到 20.00 分之间",
    )
    refused(
        lambda: services.score_manually(
            scheme, by=office, item=item, unit=unit("旗民政局"), score=Decimal(5), note=""
        ),
        "请写明评分理由",
    )


def test_the_workflow_and_its_refusals(office, leader, liaison, scheme):
    refused(lambda: services.submit_scheme(scheme, by=liaison), "只有办公室")
    refused(lambda: services.approve_scheme(scheme, by=leader), "只有待审定的")
    services.submit_scheme(scheme, by=office)
    refused(lambda: services.approve_scheme(scheme, by=office), "只有组长、副组长")
    refused(lambda: services.return_scheme(scheme, by=leader, comment=""), "写明意见")
    services.return_scheme(scheme, by=leader, comment="请核实教体局得分")
    assert Scheme.objects.get(pk=scheme.pk).status == Scheme.Status.DRAFT
    assert not UnitResult.objects.filter(scheme=scheme).exists()
    services.submit_scheme(scheme, by=office)
    refused(lambda: services.publish_scheme(scheme, by=office), "审定后才能公布")
    services.approve_scheme(scheme, by=leader)
    services.publish_scheme(scheme, by=office)
    scheme.refresh_from_db()
    assert scheme.status == Scheme.Status.PUBLISHED and len(scheme.pdf_sha256) == 64
    assert [s.label for s in scheme.steps.all()] == [
        "起草方案",
        "提交审定",
        "退回修改",
        "提交审定",
        "审定",
        "公布结果",
    ]
    refused(
        lambda: services.veto_unit(
            scheme,
            by=office,
            unit=unit("旗民政局"),
            reason="x",
            files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")],
        ),
        "不能再一票否决",
    )


def test_published_results_are_frozen(office, leader, scheme):
    services.submit_scheme(scheme, by=office)
    services.approve_scheme(scheme, by=leader)
    services.publish_scheme(scheme, by=office)
    before = results(scheme)
    finance = find(before, unit("旗财政局").pk)
    assert finance["score"] == Decimal("80.00")
    # A task of 财政局 due in 2026 and never done, created after publication.
    services.create_task(
        title="补登的任务",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗财政局"),
        deadline=D(2026, 2, 1),
        by=office,
    )
    assert find(compute_results(scheme), unit("旗财政局").pk)["score"] == Decimal("20.00")
    assert results(Scheme.objects.get(pk=scheme.pk)) == before


# --- pages ---------------------------------------------------------------------------------------


@pytest.fixture
def published(office, leader, scheme):
    services.veto_unit(
        scheme,
        by=office,
        unit=unit("旗财政局"),
        reason="虚报救助资金发放数据",
        files=[SimpleUploadedFile("通报.pdf", b"%PDF-1.4 e")],
    )
    services.submit_scheme(scheme, by=office)
    services.approve_scheme(scheme, by=leader)
    services.publish_scheme(scheme, by=office)
    return scheme


def test_office_and_leaders_see_the_ranking_units_only_their_own(
    client, published, leader, liaison, liaison2, member
):
    client.force_login(leader)
    page = client.get(published.get_absolute_url())
    assert page.status_code == 200 and len(page.context["rows"]) > 2
    client.force_login(liaison)
    own = reverse("duties:scheme-unit", args=[published.pk, unit("旗民政局").pk])
    response = client.get(published.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == own  # no ranking for units
    other = reverse("duties:scheme-unit", args=[published.pk, unit("旗教体局").pk])
    response = client.get(own)
    assert response.status_code == 200 and "任务乙" in response.content.decode()
    assert client.get(other).status_code == 404
    client.force_login(member)
    page = client.get(reverse("duties:scheme-unit", args=[published.pk, unit("旗财政局").pk]))
    assert "虚报救助资金发放数据" in page.content.decode() and "不合格" in page.content.decode()


def test_the_export_equals_the_ranking(client, office, published):
    client.force_login(office)
    rows = client.get(published.get_absolute_url()).context["rows"]
    response = client.get(reverse("duties:scheme-export", args=[published.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    exported = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], Decimal(str(r[-3])), r[-2]) for r in exported] == [
        (row["rank"], row["unit"], row["score"], row["grade_label"]) for row in rows
    ]


def test_the_pdf_report_is_stored_once_and_readable(client, office, published):
    client.force_login(office)
    response = client.get(reverse("duties:scheme-pdf", args=[published.pk]))
    pdf = b"".join(response.streaming_content)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert "2026年度社会救助联席会议成员单位考评结果" in text
    assert "旗财政局：虚报救助资金发放数据" in text
    assert "旗民政局" in text


def test_grades_follow_the_schemes_thresholds(office, scheme):
    weights = {i.pk: i.weight for i in scheme.items.all()}
    services.save_scheme_items(scheme, by=office, weights=weights, thresholds=(75, 70, 60))
    rows = compute_results(Scheme.objects.get(pk=scheme.pk), today=D(2026, 12, 1))
    grades = {r["unit"]: r["grade_label"] for r in rows}
    assert grades["旗财政局"] == "优秀"  # 80 ≥ 75
    assert grades["旗民政局"] == "不合格"  # 20 + 20 + 18, not scored by hand: 58 < 60
    services.score_manually(
        scheme,
        by=office,
        item=manual_item(scheme),
        unit=unit("旗民政局"),
        score=Decimal(14),
        note="主动发现",
    )
    rows = compute_results(Scheme.objects.get(pk=scheme.pk), today=D(2026, 12, 1))
    assert {r["unit"]: r["grade_label"] for r in rows}["旗民政局"] == "良好"  # 72 ≥ 70
