"""Tasks and their supervision: each transition and refusal, lights, the ledger and its export."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from duties import services
from duties.models import Escalation, Extension, Light, Task, TaskUnit, light_for
from duties.services import DutiesError
from jiuzhu import dashboard
from meetings import services as meeting_services
from members.models import Unit
from members.permissions import Role
from tests.factories import aware, make_item, make_meeting, make_user

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = timezone.localdate()


def unit(name):
    return Unit.objects.get(name=name)


@pytest.fixture
def task(office):
    """民政局 leads; 教体局 and 财政局 are responsible."""
    return services.create_task(
        title="完成困难学生台账比对",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗民政局"),
        responsible_units=[unit("旗教体局"), unit("旗财政局")],
        deadline=TODAY + datetime.timedelta(days=30),
        by=office,
    )


@pytest.fixture
def finance(charter):
    return make_user("finance", Role.LIAISON, "旗财政局")


def state(task):
    task = Task.objects.get(pk=task.pk)
    return (
        task.status,
        task.deadline,
        list(task.units.order_by("pk").values_list("unit__name", "done_at")),
        task.feedback.count(),
        list(task.extensions.values_list("status", "new_deadline")),
        task.escalations.count(),
    )


def refused(task, call, message):
    before = state(task)
    with pytest.raises(DutiesError, match=message):
        call()
    assert state(task) == before


# --- lights -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deadline, closed, light",
    [
        (D(2026, 6, 30), False, Light.RED),  # passed
        (D(2026, 7, 1), False, Light.YELLOW),  # today
        (D(2026, 7, 4), False, Light.YELLOW),  # in 3 days
        (D(2026, 7, 5), False, Light.GREEN),  # in 4 days
        (None, False, Light.GREEN),
        (D(2026, 6, 1), True, Light.CLOSED),
    ],
)
def test_lights_at_the_boundaries(office, deadline, closed, light):
    today = D(2026, 7, 1)
    assert light_for(deadline, closed, today) == light
    task = services.create_task(
        title="t",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗民政局"),
        deadline=deadline,
        by=office,
    )
    if closed:
        services.close_task(task, by=office, reason="测试")
    assert Task.objects.with_light(today).get(pk=task.pk).light == light


def test_an_approved_extension_turns_red_to_green(office, liaison):
    today = TODAY
    task = services.create_task(
        title="t",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗民政局"),
        deadline=today - datetime.timedelta(days=1),
        by=office,
    )
    assert task.light_on(today) == Light.RED
    ext = services.request_extension(
        task, by=liaison, new_deadline=today + datetime.timedelta(days=20), reason="资金未拨付"
    )
    services.decide_extension(ext, by=office, approve=True)
    task.refresh_from_db()
    assert task.light_on(today) == Light.GREEN
    assert task.original_deadline == today - datetime.timedelta(days=1)  # the history keeps both
    assert Extension.objects.get().old_deadline == today - datetime.timedelta(days=1)


# --- parts, feedback, closing -------------------------------------------------------------------


def test_a_task_has_a_part_per_unit(task):
    assert list(task.units.values_list("unit__name", "role")) == [
        ("旗民政局", "lead"),
        ("旗教体局", "responsible"),
        ("旗财政局", "responsible"),
    ]


def test_each_unit_reports_and_finishes_its_own_part_then_the_lead_closes(
    task, liaison, liaison2, finance
):
    refused(task, lambda: services.mark_part_done(task, by=liaison2), "请先填报本单位的进展反馈")
    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    services.add_feedback(task, by=liaison2, text="已比对 120 人", date=TODAY, files=[pdf])
    services.mark_part_done(task, by=liaison2)
    refused(task, lambda: services.complete_task(task, by=liaison), "还有责任单位未完成：旗财政局")
    refused(task, lambda: services.complete_task(task, by=finance), "只有牵头单位可以办结")
    services.add_feedback(task, by=finance, text="资金已拨付", date=TODAY)
    services.mark_part_done(task, by=finance)
    services.complete_task(task, by=liaison)
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.closed_by == liaison
    assert not task.units.filter(done_at__isnull=True).exists()
    assert task.feedback.get(unit__name="旗教体局").files.get().name == "证明.pdf"
    refused(
        task, lambda: services.add_feedback(task, by=finance, text="x", date=TODAY), "不能再办理"
    )


def test_feedback_is_refused_from_outsiders_and_for_the_future(
    task, liaison, member, office, charter
):
    outsider = make_user("police", Role.LIAISON, "旗公安局")
    refused(
        task,
        lambda: services.add_feedback(task, by=outsider, text="x", date=TODAY),
        "只有承办单位的联络员",
    )
    refused(
        task,
        lambda: services.add_feedback(task, by=member, text="x", date=TODAY),
        "只有承办单位的联络员",
    )
    refused(
        task,
        lambda: services.add_feedback(task, by=office, text="x", date=TODAY),
        "只有承办单位的联络员",
    )
    tomorrow = TODAY + datetime.timedelta(days=1)
    refused(
        task,
        lambda: services.add_feedback(task, by=liaison, text="x", date=tomorrow),
        "不能晚于今天",
    )
    refused(
        task,
        lambda: services.add_feedback(task, by=liaison, text=" ", date=TODAY),
        "请填写进展情况",
    )
    exe = SimpleUploadedFile("a.exe", b"MZ")
    refused(
        task,
        lambda: services.add_feedback(task, by=liaison, text="x", date=TODAY, files=[exe]),
        "不允许上传",
    )


def test_the_office_closes_with_a_reason(task, office, liaison):
    refused(task, lambda: services.close_task(task, by=liaison, reason="x"), "只有办公室")
    refused(task, lambda: services.close_task(task, by=office, reason=""), "请写明销号理由")
    services.close_task(task, by=office, reason="任务调整，由旗政府统一部署")
    assert Task.objects.get(pk=task.pk).status == Task.Status.CLOSED


# --- extensions ---------------------------------------------------------------------------------


def test_extension_rules(task, liaison, liaison2, office):
    later = task.deadline + datetime.timedelta(days=10)
    refused(
        task,
        lambda: services.request_extension(
            task, by=liaison, new_deadline=task.deadline, reason="x"
        ),
        "须晚于",
    )
    refused(
        task,
        lambda: services.request_extension(task, by=liaison, new_deadline=later, reason=""),
        "请写明延期理由",
    )
    ext = services.request_extension(task, by=liaison, new_deadline=later, reason="等待数据")
    refused(
        task,
        lambda: services.request_extension(task, by=liaison2, new_deadline=later, reason="y"),
        "已有待审批",
    )
    refused(task, lambda: services.decide_extension(ext, by=liaison, approve=True), "只有办公室")
    refused(task, lambda: services.decide_extension(ext, by=office, approve=False), "请写明理由")
    services.decide_extension(ext, by=office, approve=False, comment="时限不能再推迟")
    assert Task.objects.get(pk=task.pk).deadline == task.deadline  # refused: unchanged
    refused(task, lambda: services.decide_extension(ext, by=office, approve=True), "不能再审批")


# --- escalation ---------------------------------------------------------------------------------


def test_escalation_ladder_is_numbered_per_level_and_year(task, office):
    mz = unit("旗民政局")
    day = D(2026, 8, 1)
    first = services.escalate(task, by=office, unit=mz, level=1, date=day, content="进度滞后")
    second = services.escalate(
        task, by=office, unit=unit("旗财政局"), level=1, date=day, content="资金未到位"
    )
    talk = services.escalate(
        task,
        by=office,
        unit=mz,
        level=2,
        date=day,
        content="约谈",
        attendees="王志鹏、李明",
        agreed="九月底完成",
    )
    listed = services.escalate(
        task, by=office, unit=mz, level=3, date=day, content="挂牌", rectify_by=D(2026, 9, 30)
    )
    assert [e.number_label for e in (first, second, talk, listed)] == [
        "督通〔2026〕1号",
        "督通〔2026〕2号",
        "督谈〔2026〕1号",
        "督挂〔2026〕1号",
    ]
    assert listed.rectify_by == D(2026, 9, 30)
    services.resolve_escalation(listed, by=office, resolution="已整改完毕")
    assert not Escalation.objects.get(pk=listed.pk).is_open


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"level": 2, "attendees": ""}, "约谈请填写参加人员"),
        ({"level": 3}, "挂牌督办请填写限期整改日期"),
        ({"level": 3, "rectify_by": D(2026, 7, 1)}, "须晚于挂牌日期"),
        ({"level": 1, "content": ""}, "请填写督办内容"),
        ({"level": 1, "unit": "旗公安局"}, "只能对承办该事项的单位督办"),
    ],
)
def test_escalation_refusals(task, office, kwargs, message):
    args = {"unit": "旗民政局", "date": D(2026, 8, 1), "content": "通报", **kwargs}
    args["unit"] = unit(args["unit"])
    refused(task, lambda: services.escalate(task, by=office, **args), message)


def test_only_the_office_escalates(task, leader):
    refused(
        task,
        lambda: services.escalate(
            task, by=leader, unit=unit("旗民政局"), level=1, date=TODAY, content="x"
        ),
        "只有办公室",
    )


# --- the ledger, the export and what each unit sees ---------------------------------------------


def _ledger_ids(client, params):
    ids, page = [], 1
    while True:
        response = client.get(reverse("duties:task-list"), {**params, "page": page})
        tasks = response.context["tasks"]
        ids += [t.pk for t in tasks]
        if not response.context["page"].has_next():
            return ids
        page += 1


def _export_ids(client, params):
    response = client.get(reverse("duties:task-export"), params)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["编号", "督办事项", "来源"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    for row in rows:
        assert row[7] is None or isinstance(row[7], datetime.datetime)  # 完成时限 is a date cell
    return list(dict.fromkeys(r[0] for r in rows)), rows


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"light": "red"},
        {"unit": "UNIT"},
        {"q": "台账"},
        {"status": "open", "sort": "-deadline"},
        {"level": "1"},
    ],
)
def test_the_export_has_the_same_tasks_as_the_page(client, office, params):
    mz = unit("旗民政局")
    for i in range(60):
        t = services.create_task(
            title=f"事项{i}{'台账' if i % 7 == 0 else ''}",
            source=Task.Source.OFFICE,
            lead_unit=mz if i % 2 else unit("旗财政局"),
            responsible_units=[unit("旗教体局")] if i % 3 == 0 else [],
            deadline=TODAY + datetime.timedelta(days=i - 30),
            by=office,
        )
        if i % 10 == 0:
            services.escalate(t, by=office, unit=t.lead_unit, level=1, date=TODAY, content="通报")
    params = {k: (str(mz.pk) if v == "UNIT" else v) for k, v in params.items()}
    client.force_login(office)
    page_ids = _ledger_ids(client, params)
    export_ids, rows = _export_ids(client, params)
    assert page_ids == export_ids
    assert page_ids, "the filter should match something"
    if "unit" in params:
        assert {r[5] for r in rows} == {"旗民政局"}


def test_a_liaison_sees_and_exports_only_their_units_tasks(client, task, office, charter):
    other = services.create_task(
        title="公安局的事项", source=Task.Source.OFFICE, lead_unit=unit("旗公安局"), by=office
    )
    police = make_user("police", Role.LIAISON, "旗公安局")
    client.force_login(police)
    assert _ledger_ids(client, {}) == [other.pk]
    assert _export_ids(client, {})[0] == [other.pk]
    assert client.get(task.get_absolute_url()).status_code == 404


def test_issued_minutes_become_tasks_the_units_see(client, liaison, office, leader, member):
    from tests.factories import approved_minutes

    minutes = meeting_services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    task = minutes.decisions.get().task
    assert list(task.units.values_list("unit__name", "role")) == [
        ("旗民政局", "lead"),
        ("旗财政局", "responsible"),
    ]
    client.force_login(member)  # 财政局
    assert task.pk in _ledger_ids(client, {})


def test_the_ledger_page_refuses_a_bad_filter_with_a_message(client, office):
    client.force_login(office)
    response = client.get(reverse("duties:task-list"), {"unit": "abc", "year": "x"})
    assert response.status_code == 200
    assert "筛选条件有误" in response.content.decode()


def test_the_minutes_index_export(client, liaison, office, leader):
    from tests.factories import approved_minutes

    minutes = meeting_services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    client.force_login(office)
    response = client.get(reverse("meetings:minutes-export"), {"year": minutes.year})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "期号",
        "印发日期",
        "会议",
        "会议类型",
        "会议日期",
        "议定事项数",
        "签收/分送",
    )
    assert rows[1][0] == minutes.number_label and rows[1][5] == 1
    assert rows[1][6] == f"0/{minutes.distributions.count()}"


# --- the dashboard: compliance and the units that stay silent -----------------------------------


def _held_plenary(office, liaison, year):
    from tests.factories import held_meeting_with_item

    return held_meeting_with_item(
        office, liaison, kind="plenary", units=(), starts_at=aware(year, 5, 20)
    )


@pytest.mark.parametrize(
    "today, level",
    [(D(2026, 9, 30), "secondary"), (D(2026, 10, 1), "warning")],
)
def test_compliance_warns_from_1_october(charter, today, level):
    [state] = dashboard.compliance(today)
    assert (state.year, state.held, state.level) == (2026, False, level)


def test_compliance_is_red_on_1_january_when_last_year_had_no_plenary(office, liaison):
    make_meeting(office, starts_at=aware(2026, 3, 1))  # the app was in use last year
    states = dashboard.compliance(D(2027, 1, 1))
    assert [(s.year, s.level) for s in states] == [(2026, "danger"), (2027, "secondary")]


def test_compliance_is_green_once_the_plenary_is_held(office, liaison):
    _held_plenary(office, liaison, 2026)
    assert [(s.year, s.level) for s in dashboard.compliance(D(2026, 10, 1))] == [(2026, "success")]
    assert [s.level for s in dashboard.compliance(D(2027, 1, 1))] == ["secondary"]


def test_silent_units_are_those_with_no_item_and_no_feedback(task, liaison, liaison2, office):
    make_item(liaison)
    services.add_feedback(task, by=liaison2, text="进展", date=TODAY)
    silent = {u.name for u in dashboard.silent_units(TODAY.year)}
    assert "旗民政局" not in silent and "旗教体局" not in silent
    assert "旗公安局" in silent and "旗人民政府" not in silent  # not a member unit


def test_three_working_days_skip_the_weekend():
    assert dashboard.working_days_back(D(2026, 11, 26), 3) == D(2026, 11, 23)  # Thu -> Mon
    assert dashboard.working_days_back(D(2026, 11, 24), 3) == D(2026, 11, 19)  # Tue -> Thu


def test_overdue_by_unit_counts_unfinished_parts(office, liaison):
    services.create_task(
        title="逾期",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗民政局"),
        responsible_units=[unit("旗财政局")],
        deadline=TODAY - datetime.timedelta(days=2),
        by=office,
    )
    assert {u.name: n for u, n in dashboard.overdue_by_unit(TODAY)} == {
        "旗民政局": 1,
        "旗财政局": 1,
    }
    assert TaskUnit.objects.filter(done_at__isnull=True).count() == 2
