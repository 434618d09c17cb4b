"""A case from intake to measures: every notification it causes names the case by number and a
张某某-style name only, and reaches only the units concerned."""

import pytest

from cases import services
from members.models import Notification
from members.permissions import Role
from tests.cases.test_cases import (
    ADDRESS,
    APPLICANT_ID,
    CHILD_ID,
    PHONE,
    case_data,
    deliberate,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_cases_notifications_carry_no_personal_data_and_reach_only_its_units(
    django_capture_on_commit_callbacks, office, leader, liaison, liaison2
):
    town = make_user("naln", Role.LIAISON, "纳林陶亥镇")
    police = make_user("police", Role.LIAISON, "旗公安局")
    medical = make_user("yibao", Role.LIAISON, "旗医疗保障局")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.register_case(case_data(), by=town)
        deliberate(case, office, police, medical, leader, liaison)
    label = f"{case.number_label} 张某某"
    texts = [f"{n.title} {n.body} {n.url}" for n in Notification.objects.all()]
    assert texts
    for secret in ("张三丰", "张小明", APPLICANT_ID, CHILD_ID, PHONE, ADDRESS, APPLICANT_ID[-4:]):
        assert not [t for t in texts if secret in t], secret
    mine = lambda user: list(  # noqa: E731
        Notification.objects.filter(recipient=user).values_list("title", flat=True)
    )
    assert f"请核对：{label}（户籍、车辆）" in mine(police)
    assert f"个案已议定救助措施：{label}" in mine(town)
    assert any(t.startswith(f"新督办事项：{label}：大病救助") for t in mine(medical))
    assert any(t.startswith(f"新督办事项：{label}：临时救助") for t in mine(liaison))
    assert not [t for t in mine(liaison2) if "急难" in t or "某" in t]
