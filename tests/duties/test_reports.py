"""救助信息报送: every transition and refusal, the Excel template and import, statistics, export,
the published PDF."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from duties import services
from duties.models import Light, Report, ReportRound
from duties.report_xlsx import template_xlsx
from duties.services import DutiesError, FigureErrors
from duties.statistics import round_statistics, statistics_rows
from jiuzhu.backup import table_checksums
from members.models import Step, Unit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DEPARTMENTS = [Unit.Kind.DEPARTMENT, Unit.Kind.MASS_ORGANISATION]


def unit(name):
    return Unit.objects.get(name=name)


@pytest.fixture
def indicators(office):
    return [
        services.create_indicator(
            by=office,
            name="临时救助人次",
            measure="人次",
            kind="integer",
            unit_kinds=DEPARTMENTS,
            order=1,
        ),
        services.create_indicator(
            by=office,
            name="救助金额",
            measure="元",
            kind="money",
            unit_kinds=DEPARTMENTS,
            help_text="本期实际发放的救助资金",
            order=2,
        ),
        services.create_indicator(
            by=office, name="走访困难户", measure="户", kind="integer", unit_kinds=["town"], order=3
        ),
    ]


def open_quarter(office, indicators, year=2026, number=3, deadline=None, units=None):
    return services.open_round(
        by=office,
        period="quarter",
        year=year,
        number=number,
        deadline=deadline or TODAY + datetime.timedelta(days=10),
        units=units or [unit("旗民政局"), unit("旗教体局"), unit("札萨克镇")],
        indicators=indicators,
    )


@pytest.fixture
def round_(office, indicators):
    return open_quarter(office, indicators)


def report_of(round_, name):
    return round_.reports.get(unit__name=name)


def figures(report, **by_name):
    return {line.indicator_id: by_name.get(line.indicator.name) for line in report.lines.all()}


def data_tables():
    """Every table but the session store (a page view renews the session's expiry)."""
    tables = table_checksums()
    tables.pop("django_session", None)
    return tables


def refused(call, message):
    before = data_tables()
    with pytest.raises(DutiesError) as e:
        call()
    assert message in str(e.value)
    assert data_tables() == before
    return e.value


# --- opening a round ------------------------------------------------------------------------------


def test_a_round_asks_each_unit_only_the_indicators_of_its_kind(round_):
    assert round_.title == "2026年第三季度"
    mz, town = report_of(round_, "旗民政局"), report_of(round_, "札萨克镇")
    assert [line.indicator.name for line in mz.lines.all()] == ["临时救助人次", "救助金额"]
    assert [line.indicator.name for line in town.lines.all()] == ["走访困难户"]
    assert mz.status == Report.Status.PENDING
    assert round_.steps.get().label == "发起报送"


def test_only_the_office_opens_a_round_and_a_period_only_once(round_, liaison, office, indicators):
    refused(lambda: open_quarter(liaison, indicators, number=4), "只有办公室")
    refused(lambda: open_quarter(office, indicators), "2026年第三季度的报送任务已经发起")
    refused(lambda: open_quarter(office, indicators, number=5), "期次应为 1–4")
    refused(
        lambda: open_quarter(office, indicators[2:], number=4, units=[unit("旗民政局")]),
        "没有以下单位应报送的：民政局",
    )


# --- filling in, submitting, returning, accepting --------------------------------------------------


def test_a_liaison_saves_a_draft_submits_and_the_office_accepts(round_, liaison, office):
    report = report_of(round_, "旗民政局")
    services.save_report(report, by=liaison, values=figures(report, 临时救助人次="12"), note="")
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    services.submit_report(
        report,
        by=liaison,
        values=figures(report, 临时救助人次="12", 救助金额="3,500.50"),
        note="含春节走访",
    )
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED and report.on_time
    assert [line.value for line in report.lines.all()] == [Decimal("12"), Decimal("3500.50")]
    services.accept_report(report, by=office)
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED
    assert [s.label for s in report.steps.all()] == ["保存草稿", "报送", "采用"]
    assert all(s.by_id for s in report.steps.all())


def test_a_returned_report_is_edited_and_resubmitted(round_, liaison, office):
    report = report_of(round_, "旗民政局")
    services.submit_report(
        report, by=liaison, values=figures(report, 临时救助人次="1", 救助金额="0")
    )
    refused(lambda: services.return_report(report, by=office, comment=" "), "写明需要修改")
    services.return_report(report, by=office, comment="救助金额为 0，请核实。")
    report.refresh_from_db()
    assert report.status == Report.Status.RETURNED and "请核实" in report.return_comment
    services.submit_report(
        report, by=liaison, values=figures(report, 临时救助人次="1", 救助金额="800")
    )
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    assert [s.label for s in report.steps.all()] == ["报送", "退回修改", "重新报送"]


@pytest.mark.parametrize(
    "value, message",
    [
        ("-3", "临时救助人次：不能为负数"),
        ("十二", "临时救助人次：不是数字"),
        ("1.5", "临时救助人次：须为整数"),
        ("1e400", "临时救助人次：数值过大"),
    ],
)
def test_bad_figures_are_refused_in_chinese_and_nothing_is_saved(round_, liaison, value, message):
    report = report_of(round_, "旗民政局")
    refused(
        lambda: services.save_report(
            report, by=liaison, values=figures(report, 临时救助人次=value)
        ),
        message,
    )


def test_money_takes_two_decimals_at_most_and_overlong_notes_are_refused(round_, liaison):
    report = report_of(round_, "旗民政局")
    refused(
        lambda: services.save_report(report, by=liaison, values=figures(report, 救助金额="1.234")),
        "救助金额：最多保留两位小数",
    )
    refused(
        lambda: services.save_report(report, by=liaison, values={}, note="很" * 1001),
        "填报说明不能超过 1000 字",
    )


def test_refusals_of_the_workflow(round_, liaison, liaison2, office, member):
    report = report_of(round_, "旗民政局")
    refused(lambda: services.save_report(report, by=liaison2, values={}), "只有本单位的联络员")
    refused(lambda: services.save_report(report, by=member, values={}), "只有本单位的联络员")
    refused(
        lambda: services.submit_report(report, by=liaison), "还有指标未填写：临时救助人次、救助金额"
    )
    refused(lambda: services.accept_report(report, by=office), "只有已报送的数据才能采用")
    services.submit_report(
        report, by=liaison, values=figures(report, 临时救助人次="1", 救助金额="2")
    )
    refused(lambda: services.accept_report(report, by=liaison), "只有办公室")
    refused(lambda: services.save_report(report, by=liaison, values={}), "已报送，不能再修改")
    services.close_round(round_, by=office)
    other = report_of(round_, "旗教体局")
    refused(lambda: services.save_report(other, by=liaison2, values={}), "已截止")
    refused(lambda: services.close_round(round_, by=office), "已经截止")


def test_a_refused_attachment_stores_nothing(round_, liaison):
    report = report_of(round_, "旗民政局")
    bad = SimpleUploadedFile("台账.xlsx", b"not a zip", content_type="application/octet-stream")
    refused(
        lambda: services.save_report(report, by=liaison, values={}, files=[bad]),
        "内容与扩展名不符",
    )


def test_a_late_report_is_red_and_counts_as_late_when_sent(office, indicators, liaison):
    round_ = open_quarter(office, indicators, deadline=TODAY - datetime.timedelta(days=2))
    report = report_of(round_, "旗民政局")
    assert report.light_on(TODAY) == Light.RED
    assert report_of(round_, "札萨克镇").light_on(TODAY) == Light.RED
    services.submit_report(
        report, by=liaison, values=figures(report, 临时救助人次="1", 救助金额="2")
    )
    report.refresh_from_db()
    assert report.light_on(TODAY) == Light.CLOSED and not report.on_time


# --- Excel ------------------------------------------------------------------------------------------


def filled(report, values: dict[int, object]) -> SimpleUploadedFile:
    """The unit's template with column D of the given rows set."""
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(report)))
    ws = wb.active
    for row, value in values.items():
        ws.cell(row=row, column=4, value=value)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("填报.xlsx", out.getvalue())


def test_the_template_lists_the_units_indicators_in_rows(round_):
    ws = openpyxl.load_workbook(io.BytesIO(template_xlsx(report_of(round_, "旗民政局")))).active
    assert [c.value for c in ws[2]] == ["序号", "指标", "计量单位", "数值", "填报说明"]
    assert [(r[1], r[2]) for r in ws.iter_rows(min_row=3, values_only=True)] == [
        ("临时救助人次", "人次"),
        ("救助金额", "元"),
    ]


def test_a_valid_excel_file_is_imported_as_a_draft(round_, liaison):
    report = report_of(round_, "旗民政局")
    services.import_report_xlsx(report, by=liaison, upload=filled(report, {3: 15, 4: 2500.5}))
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    assert [line.value for line in report.lines.all()] == [Decimal("15"), Decimal("2500.50")]
    assert report.steps.get().label == "导入Excel"


def test_every_bad_cell_is_named_by_row_and_nothing_is_stored(round_, liaison):
    report = report_of(round_, "旗民政局")
    e = refused(
        lambda: services.import_report_xlsx(
            report, by=liaison, upload=filled(report, {3: -1, 4: "三千元"})
        ),
        "第3行 临时救助人次：不能为负数",
    )
    assert isinstance(e, FigureErrors)
    assert e.errors == ["第3行 临时救助人次：不能为负数", "第4行 救助金额：不是数字"]


def test_a_changed_or_foreign_file_is_refused(round_, liaison):
    report = report_of(round_, "旗民政局")
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(report)))
    wb.active.cell(row=4, column=2, value="低保人数")
    out = io.BytesIO()
    wb.save(out)
    e = refused(
        lambda: services.import_report_xlsx(
            report, by=liaison, upload=SimpleUploadedFile("x.xlsx", out.getvalue())
        ),
        "第4行 B列：“低保人数”不是本单位本次要报送的指标",
    )
    assert "缺少指标“救助金额”所在的行" in e.errors
    refused(
        lambda: services.import_report_xlsx(
            report, by=liaison, upload=SimpleUploadedFile("x.pdf", b"%PDF-1.4")
        ),
        ".xlsx 模板",
    )


def test_the_import_page_lists_the_errors(client, round_, liaison):
    report = report_of(round_, "旗民政局")
    client.force_login(liaison)
    response = client.post(
        reverse("duties:report-import", args=[report.pk]),
        {"upload": filled(report, {4: "abc"})},
        follow=True,
    )
    assert "第4行 救助金额：不是数字" in response.content.decode()


# --- the page ----------------------------------------------------------------------------------------


def test_the_fill_page_labels_each_field_with_its_unit_of_measure(client, round_, liaison):
    report = report_of(round_, "旗民政局")
    client.force_login(liaison)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "临时救助人次（人次）" in page and "救助金额（元）" in page
    assert "本期实际发放的救助资金" in page


def test_the_fill_page_refuses_bad_input_and_saves_nothing(client, round_, liaison):
    report = report_of(round_, "旗民政局")
    lines = {line.indicator.name: line.indicator_id for line in report.lines.all()}
    client.force_login(liaison)
    before = data_tables()
    response = client.post(
        report.get_absolute_url(),
        {
            f"figure_{lines['临时救助人次']}": "-5",
            f"figure_{lines['救助金额']}": "abc",
            "note": "长" * 1001,
            "action": "submit",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "临时救助人次：不能为负数" in page and "救助金额：不是数字" in page
    assert "填报说明不能超过 1000 字" in page
    assert data_tables() == before


def test_the_fill_page_submits_with_an_attachment(client, round_, liaison):
    report = report_of(round_, "旗民政局")
    lines = {line.indicator.name: line.indicator_id for line in report.lines.all()}
    client.force_login(liaison)
    response = client.post(
        report.get_absolute_url(),
        {
            f"figure_{lines['临时救助人次']}": "8",
            f"figure_{lines['救助金额']}": "1200",
            "note": "",
            "files": [SimpleUploadedFile("台账.pdf", b"%PDF-1.4 ledger")],
            "action": "submit",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    attachment = report.files.get()
    download = client.get(reverse("duties:report-file", args=[report.pk, attachment.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 ledger"


# --- statistics ------------------------------------------------------------------------------------


@pytest.fixture
def two_years(office, indicators, liaison, liaison2, charter):
    """2025 Q3 and 2026 Q2, Q3: 民政局 and 教体局 report 临时救助人次 and 救助金额."""

    def quarter(year, number, mz, jt):
        r = open_quarter(
            office,
            indicators[:2],
            year=year,
            number=number,
            units=[unit("旗民政局"), unit("旗教体局")],
        )
        for name, user, (count, money) in (("旗民政局", liaison, mz), ("旗教体局", liaison2, jt)):
            if count is None:
                continue
            rep = report_of(r, name)
            services.submit_report(
                rep, by=user, values=figures(rep, 临时救助人次=count, 救助金额=money)
            )
        return r

    last_year = quarter(2025, 3, ("10", "1000"), ("5", "500"))
    previous = quarter(2026, 2, ("20", "2000"), ("10", "1000"))
    current = quarter(2026, 3, ("30", "3000.50"), (None, None))
    return last_year, previous, current


def test_statistics_total_per_unit_and_change(two_years):
    _, _, current = two_years
    units, stats = round_statistics(current)
    count = stats[0]
    assert count.indicator.name == "临时救助人次"
    assert count.total == 30 and count.previous == 30 and count.last_year == 15
    assert count.change_previous == (0, Decimal("0.0"))
    assert count.change_last_year == (15, Decimal("100.0"))
    assert count.by_unit == {unit("旗民政局").pk: 30, unit("旗教体局").pk: None}
    money = stats[1]
    assert money.total == Decimal("3000.50") and money.previous == 3000


def test_drafts_and_returned_reports_do_not_count(two_years, liaison2, office):
    _, _, current = two_years
    rep = report_of(current, "旗教体局")
    services.save_report(rep, by=liaison2, values=figures(rep, 临时救助人次="99"))
    assert round_statistics(current)[1][0].total == 30


def _page_rows(client, round_):
    response = client.get(reverse("duties:round-statistics", args=[round_.pk]))
    assert response.status_code == 200
    return response.context["header"], response.context["rows"], response


def test_the_export_equals_the_page(client, office, two_years):
    _, _, current = two_years
    client.force_login(office)
    header, rows, _ = _page_rows(client, current)
    response = client.get(reverse("duties:round-statistics-export", args=[current.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    exported = list(sheet.iter_rows(values_only=True))
    assert list(exported[0]) == header
    assert len(exported) - 1 == len(rows)

    def same(a, b):
        if isinstance(b, Decimal):
            return Decimal(str(a)) == b
        return (a if a is not None else "") == (b if b is not None else "")

    for got, want in zip(exported[1:], rows, strict=True):
        assert all(same(a, b) for a, b in zip(got, want, strict=True)), (got, want)
    assert header == [
        "指标",
        "计量单位",
        "民政局",
        "教体局",
        "合计",
        "上期",
        "环比增减",
        "上年同期",
        "同比增减",
    ]
    assert rows[0][:5] == ["临时救助人次", "人次", Decimal("30"), "未报", Decimal("30")]


def test_the_page_draws_the_series_as_svg(client, office, two_years):
    _, _, current = two_years
    client.force_login(office)
    _, _, response = _page_rows(client, current)
    page = response.content.decode()
    assert "<svg" in page and "2025年第三季度" in page and "2026年第二季度" in page
    assert len(response.context["chart"].bars) == 3
    assert statistics_rows(current)[1][0][2] == Decimal("30")


# --- publication ---------------------------------------------------------------------------------


def test_a_closed_round_is_published_once_as_a_pdf(client, office, two_years, member):
    _, _, current = two_years
    refused(lambda: services.publish_round(current, by=office), "请先截止报送")
    services.close_round(current, by=office)
    services.publish_round(current, by=office)
    current.refresh_from_db()
    assert current.status == ReportRound.Status.PUBLISHED and len(current.pdf_sha256) == 64
    refused(lambda: services.publish_round(current, by=office), "已经发布")
    client.force_login(member)
    listing = client.get(reverse("duties:publication-list")).content.decode()
    assert "2026年第三季度全旗社会救助统计情况" in listing
    response = client.get(reverse("duties:round-pdf", args=[current.pk]))
    pdf = b"".join(response.streaming_content)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = text.replace("\n", "")
    assert "伊金霍洛旗社会救助联席会议办公室" in text
    assert "2026年第三季度全旗社会救助统计情况" in text
    assert "临时救助人次" in text and "3,000.50" in text
    assert "未报送的单位：旗教体局" in flat
    fonts = {
        str(f.get("/BaseFont"))
        for page in PdfReader(io.BytesIO(pdf)).pages
        for f in (page["/Resources"].get("/Font") or {}).values()
        for f in [f.get_object()]
    }
    assert any("Fandol" in f or "Noto" in f for f in fonts), fonts


def test_steps_name_who_and_when(round_, liaison):
    report = report_of(round_, "旗民政局")
    services.save_report(report, by=liaison, values={})
    step = Step.objects.filter(object_id=report.pk, label="保存草稿").get()
    assert step.by == liaison and step.at is not None


def test_late_and_missing_reports_light_up_on_the_office_and_unit_home(
    client, office, indicators, liaison, liaison2
):
    late = open_quarter(office, indicators, number=1, deadline=TODAY - datetime.timedelta(days=1))
    soon = open_quarter(office, indicators, number=2, deadline=TODAY + datetime.timedelta(days=2))
    mz = report_of(late, "旗民政局")
    services.submit_report(mz, by=liaison, values=figures(mz, 临时救助人次="1", 救助金额="1"))
    client.force_login(office)
    response = client.get(reverse("home"))
    due = {
        (r.round_id, r.unit.name): light for r, light in response.context["overview"].reports_due
    }
    assert due[(late.pk, "旗教体局")] == Light.RED
    assert due[(soon.pk, "旗民政局")] == Light.YELLOW
    assert (late.pk, "旗民政局") not in due  # sent in
    assert "救助信息报送未报" in response.content.decode()
    client.force_login(liaison2)
    response = client.get(reverse("home"))
    mine = response.context["overview"].reports_due
    assert {r.unit.name for r, _ in mine} == {"旗教体局"}
    assert "红灯" in response.content.decode()


def test_a_refused_submission_leaves_no_file_on_disk(round_, liaison, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = report_of(round_, "旗民政局")
    refused(
        lambda: services.submit_report(
            report,
            by=liaison,
            values=figures(report, 临时救助人次="3"),
            files=[SimpleUploadedFile("台账.pdf", b"%PDF-1.4 l")],
        ),
        "还有指标未填写：救助金额",
    )
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
