"""Personal data of cases: never in any history table, edits logged without values, a data
subject's export and erasure after the retention time (PIPL Art. 45/47)."""

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases import services
from cases.models import AccessLog, Case, HouseholdMember
from members.models import Step
from members.permissions import Role
from tests.cases.test_cases import (
    ADDRESS,
    APPLICANT_ID,
    CHILD_ID,
    PHONE,
    case_data,
)
from tests.factories import make_user


@pytest.fixture
def town_liaison(charter):
    return make_user("naln", Role.LIAISON, "纳林陶亥镇")


@pytest.fixture
def police(charter):
    return make_user("police", Role.LIAISON, "旗公安局")


def history_cells():
    """Every cell of every history table of every app."""
    tables = [t for t in connection.introspection.table_names() if "_historical" in t]
    assert len(tables) >= 10  # members, duties, meetings and cases all keep history
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                yield from (str(cell) for cell in row if cell is not None)


def raw_cells(*tables):
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                yield from (str(cell) for cell in row if cell is not None)


@pytest.mark.django_db
def test_no_history_table_of_any_app_holds_a_demo_case_persons_data(charter, settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo", verbosity=0)
    office = make_user("office2", Role.OFFICE, "旗民政局")
    case = Case.objects.order_by("pk").first()
    services.update_personal_data(
        case,
        by=office,
        applicant="李四新",
        id_number=case.id_number,
        phone="13900000001",
        address="纳林陶亥镇新庙村一社8号",
    )
    secrets = {"李四新", "13900000001", "纳林陶亥镇新庙村一社8号"}
    for c in Case.objects.all():
        secrets |= {c.applicant, c.id_number, c.phone, c.address}
    for m in HouseholdMember.objects.all():
        secrets |= {m.name, m.id_number}
    assert len(secrets) >= 20
    cells = list(history_cells())
    assert len(cells) > 1000  # the demo's history is there…
    for secret in secrets - {""}:
        assert not [c for c in cells if secret in c], secret  # …and names nobody


@pytest.mark.django_db
def test_editing_personal_data_logs_which_fields_changed_not_the_values(town_liaison, office):
    case = services.register_case(case_data(), by=town_liaison)
    services.update_personal_data(
        case,
        by=office,
        applicant="张三峰",
        id_number=APPLICANT_ID,
        phone="13900000002",
        address=ADDRESS,
    )
    step = case.steps.get(action=Case.Event.EDITED)
    assert (step.label, step.by, step.comment) == (
        "修改个人信息",
        office,
        "修改了申请人姓名、联系电话",
    )
    assert "张三峰" not in step.comment and "13900000002" not in step.comment
    assert Case.objects.get(pk=case.pk).applicant == "张三峰"
    with pytest.raises(services.CasesError, match="没有改动"):
        services.update_personal_data(
            case,
            by=office,
            applicant="张三峰",
            id_number=APPLICANT_ID,
            phone="13900000002",
            address=ADDRESS,
        )
    with pytest.raises(services.CasesError, match="只有办公室"):
        services.update_personal_data(
            case, by=town_liaison, applicant="王", id_number=APPLICANT_ID, phone="", address="某村"
        )


@pytest.mark.django_db
def test_the_office_edits_personal_data_on_a_page_that_logs_the_view(client, town_liaison, office):
    case = services.register_case(case_data(), by=town_liaison)
    client.force_login(office)
    url = reverse("cases:case-edit", args=[case.pk])
    page = client.get(url)
    assert "张三丰" in page.text and page["Cache-Control"] == "no-store"
    assert AccessLog.objects.get().fields == [
        "applicant",
        "id_number",
        "member_names",
        "member_ids",
        "phone",
        "address",
    ]
    bad = client.post(url, {"applicant": "张三丰", "id_number": "123", "phone": "", "address": "x"})
    assert "身份证号应为 18 位" in bad.text
    assert Case.objects.get(pk=case.pk).phone == PHONE  # nothing stored
    member = case.household.get()
    same = {f"m{member.pk}-name": "张小明", f"m{member.pk}-id_number": CHILD_ID}
    done = client.post(
        url,
        {"applicant": "张三丰", "id_number": APPLICANT_ID, "phone": "", "address": ADDRESS, **same},
    )
    assert done.status_code == 302
    assert Case.objects.get(pk=case.pk).phone == ""
    assert case.steps.get(action="edited").comment == "修改了联系电话"
    # A household member's name: the log names the field and the relation, not the name.
    bad = client.post(
        url, {**initial_of(Case.objects.get(pk=case.pk)), f"m{member.pk}-id_number": "1526"}
    )
    assert "身份证号应为 18 位" in bad.text
    client.post(url, {**initial_of(Case.objects.get(pk=case.pk)), f"m{member.pk}-name": "张晓明"})
    assert HouseholdMember.objects.get(pk=member.pk).name == "张晓明"
    step = case.steps.filter(action="edited").latest("pk")
    assert step.comment == "修改了家庭成员（儿子）姓名"
    assert "张晓明" not in step.comment
    assert AccessLog.objects.filter(user=office).count() == 1  # the GET; POSTs show nothing new


def initial_of(case):
    data = {"applicant": case.applicant, "id_number": case.id_number}
    data |= {"phone": case.phone, "address": case.address}
    for m in case.household.all():
        data |= {f"m{m.pk}-name": m.name, f"m{m.pk}-id_number": m.id_number}
    return data


def export(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("personal_data", "export", *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.mark.django_db
def test_a_person_gets_everything_about_them_as_applicant_or_household_member(
    town_liaison, office, police, tmp_path
):
    case = services.register_case(
        case_data(), by=town_liaison, files=[SimpleUploadedFile("诊断证明.pdf", b"%PDF-1.4 x")]
    )
    v = services.request_verification(case, by=office, unit=police.unit, subject="户籍")
    services.answer_verification(v, by=police, answer="户籍人口 2 人。")
    other = services.register_case(
        case_data(applicant="李五", id_number=CHILD_ID, household=[]), by=town_liaison
    )

    records = json.loads(export(APPLICANT_ID.lower(), "--by", office.username))
    assert [r["个案编号"] for r in records] == [case.number_label]
    (record,) = records
    assert (record["本人身份"], record["申请人"], record["身份证号"], record["联系电话"]) == (
        "申请人",
        "张三丰",
        APPLICANT_ID,
        PHONE,
    )
    assert record["住址"] == ADDRESS and record["家庭成员"][0]["姓名"] == "张小明"
    assert record["家庭成员"][0]["身份证号"] != CHILD_ID  # someone else's number stays masked
    assert [s["操作"] for s in record["办理记录"]] == ["受理", "核实"]
    assert record["核对"][0]["核对结果"] == "户籍人口 2 人。"
    assert (
        record["核对"][0]["可查看的个人信息"]
        == "申请人姓名、申请人身份证号、家庭成员姓名、家庭成员身份证号"
    )
    assert record["材料"][0]["文件名"] == "诊断证明.pdf"

    # The child: a household member of the first case and the applicant of the second.
    records = json.loads(export(CHILD_ID, "--by", office.username))
    assert {r["个案编号"]: r["本人身份"] for r in records} == {
        case.number_label: "家庭成员",
        other.number_label: "申请人",
    }
    as_member = next(r for r in records if r["本人身份"] == "家庭成员")
    assert as_member["申请人"] == "张某某" and as_member["住址"] == ""
    assert as_member["身份证号"] != APPLICANT_ID
    assert [m["身份证号"] for m in as_member["家庭成员"] if m["本人"]] == [CHILD_ID]
    assert AccessLog.objects.filter(user=office).count() == 3  # every export is a logged view

    xlsx = tmp_path / "张某.xlsx"
    export(APPLICANT_ID, "--by", office.username, "--output", str(xlsx))
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert rows[0] == ("个案", "部分", "项目", "内容")
    assert (case.number_label, "个案", "身份证号", APPLICANT_ID) in rows
    assert any(r[1] == "核对 1" and r[3] == "户籍人口 2 人。" for r in rows)

    with pytest.raises(CommandError, match="没有找到"):
        export("152627197001010012", "--by", office.username)
    with pytest.raises(CommandError, match="只有办公室"):
        export(APPLICANT_ID, "--by", police.username)


def _refused_years_ago(case, office, years):
    services.refuse_case(case, by=office, reason=f"{case.applicant}家庭收入超过标准。")
    when = timezone.now() - datetime.timedelta(days=365 * years + 5)
    Step.objects.filter(object_id=case.pk, content_type__model="case").update(at=when)
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db
def test_cases_past_the_retention_time_lose_their_people_and_keep_their_statistics(
    town_liaison, office, police
):
    old = services.register_case(
        case_data(), by=town_liaison, files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")]
    )
    v = services.request_verification(old, by=office, unit=police.unit, subject="户籍")
    services.answer_verification(v, by=police, answer="张三丰户籍人口 2 人。")
    old = _refused_years_ago(old, office, 11)
    stored = old.files.get().file.name
    recent = _refused_years_ago(
        services.register_case(
            case_data(applicant="王五", facts="因灾", household=[]), by=town_liaison
        ),
        office,
        3,
    )
    open_case = services.register_case(
        case_data(applicant="赵六", facts="因灾", household=[]), by=town_liaison
    )

    out = io.StringIO()
    call_command("personal_data", "erase", "--by", "office", "--dry-run", stdout=out)
    assert old.number_label in out.getvalue() and "将删除 1 个" in out.getvalue()
    assert Case.objects.get(pk=old.pk).erased_at is None

    with pytest.raises(CommandError, match="只有办公室"):
        call_command("personal_data", "erase", "--by", police.username, stdout=io.StringIO())
    out = io.StringIO()
    with django_capture_on_commit():
        call_command("personal_data", "erase", "--by", "office", "--years", "10", stdout=out)
    assert "已删除 1 个" in out.getvalue()

    erased = Case.objects.get(pk=old.pk)
    assert erased.erased_at is not None
    assert (erased.applicant, erased.id_number, erased.phone, erased.address) == ("", "", "", "")
    assert erased.id_number_hmac == ""
    assert (erased.year, erased.town.name, erased.category, erased.status) == (
        old.year,
        "纳林陶亥镇",
        Case.Category.ILLNESS,
        Case.Status.REFUSED,
    )
    assert erased.household.count() == 1 and erased.household.get().relation == "儿子"
    assert set(services.find_cases_by_id_number(APPLICANT_ID)) == {recent, open_case}
    assert not erased.files.exists()
    from django.core.files.storage import default_storage

    assert not default_storage.exists(stored)
    assert erased.steps.get(action="erased").comment == "办结满 10 年，按保存期限删除"
    cells = list(
        raw_cells("cases_case", "cases_householdmember", "cases_verification", "members_step")
    )
    cells += list(history_cells())
    for secret in ("户主突发脑出血", "张三丰户籍人口", "张三丰家庭收入", "在校学生"):
        assert not [c for c in cells if secret in c], secret
    # The others are untouched.
    assert Case.objects.get(pk=recent.pk).applicant == "王五"
    assert Case.objects.get(pk=open_case.pk).applicant == "赵六"
    with pytest.raises(services.CasesError, match="已经删除"):
        services.erase_personal_data(erased, by=office, years=10)
    with pytest.raises(services.CasesError, match="满 10 年"):
        services.erase_personal_data(recent, by=office, years=10)


class django_capture_on_commit:
    """Run on_commit callbacks of the test's transaction (the file deletion) at exit."""

    def __enter__(self):
        from django.test import TestCase

        self._ctx = TestCase.captureOnCommitCallbacks(execute=True)
        return self._ctx.__enter__()

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)
