"""No personal field of a case (names included) is in any history table."""

import pytest
from django.db import connection

from cases import services
from members.permissions import Role
from tests.cases.test_cases import ADDRESS, APPLICANT_ID, CHILD_ID, PHONE, case_data
from tests.factories import make_user


@pytest.fixture
def town_liaison(charter):
    return make_user("naln", Role.LIAISON, "纳林陶亥镇")


def history_cells():
    tables = [t for t in connection.introspection.table_names() if "_historical" in t]
    assert "cases_historicalcase" in tables and "cases_historicalhouseholdmember" in tables
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                yield from (str(cell) for cell in row if cell is not None)


def test_history_tables_hold_no_name_id_phone_or_address_of_a_case(town_liaison, office):
    case = services.register_case(case_data(), by=town_liaison)
    services.refuse_case(case, by=office, reason="经核对，家庭收入超过标准。")
    cells = list(history_cells())
    assert any("不予救助" in c or "refused" in c for c in cells)  # the history is there…
    for secret in ("张三丰", "张小明", APPLICANT_ID, CHILD_ID, PHONE, ADDRESS):
        assert not [c for c in cells if secret in c], secret  # …but names nobody
