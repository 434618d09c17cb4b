"""The roster as of any date: to Excel, and printed on paper (print stylesheet)."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from members import services
from members.models import Seat, Tenure

pytestmark = pytest.mark.django_db


def rows_of(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_roster_exports_to_excel_with_one_row_per_seat(client, member):
    client.force_login(member)
    response = client.get(reverse("members:roster-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == ["角色", "姓名", "职务", "单位", "任职起始", "任职依据"]
    assert len(rows) - 1 == Seat.objects.count() == 30
    assert rows[1][:2] == ["组长", "李贵"]


def test_the_export_is_the_roster_as_of_the_date_asked_for(client, office):
    seat = Tenure.objects.get(person__name="王志鹏").seat
    services.record_succession(
        seat, by=office, name="张三", post="旗人民政府副旗长", start=datetime.date(2026, 3, 2)
    )
    client.force_login(office)
    before = rows_of(client.get(reverse("members:roster-export"), {"date": "2026-03-01"}))
    after = rows_of(client.get(reverse("members:roster-export"), {"date": "2026-03-02"}))
    names = lambda rows: [r[1] for r in rows]  # noqa: E731
    assert "王志鹏" in names(before) and "张三" not in names(before)
    assert "张三" in names(after) and "王志鹏" not in names(after)
    start = next(r[4] for r in after if r[1] == "张三")
    assert start.date() == datetime.date(2026, 3, 2)  # a real date, not text
    filename = client.get(reverse("members:roster-export"), {"date": "2026-03-01"})
    assert "20260301" in filename["Content-Disposition"]


def test_a_malformed_date_exports_todays_roster(client, member):
    client.force_login(member)
    response = client.get(reverse("members:roster-export"), {"date": "2026-13-45"})
    assert response.status_code == 200 and len(rows_of(response)) == 31


def test_the_roster_page_offers_print_and_the_export_of_its_date(client, member):
    client.force_login(member)
    html = client.get(reverse("members:roster"), {"date": "2025-01-01"}).content.decode()
    assert "data-print" in html
    assert f"{reverse('members:roster-export')}?date=2025-01-01" in html
    assert 'href="/static/css/print.css" media="print"' in html
