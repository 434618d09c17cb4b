"""The minutes page offers an action exactly when its service would accept it (permissions.py)."""

import pytest
from django.db import transaction

from meetings import permissions as perms
from meetings import services
from meetings.models import Minutes
from tests.factories import approved_minutes


class Rollback(Exception):
    pass


def accepted(call, *args) -> bool:
    """Whether the service accepts the call; nothing it did is kept."""
    try:
        with transaction.atomic():
            call(*args)
            raise Rollback
    except Rollback:
        return True
    except services.MeetingsError:
        return False


CALLS = {
    "submit": lambda m, u: services.submit_minutes(m, by=u),
    "approve": lambda m, u: services.approve_minutes(m, by=u),
    "return": lambda m, u: services.return_minutes(m, by=u, comment="请修改"),
    "withdraw": lambda m, u: services.withdraw_approval(m, by=u, reason="需修改"),
    "issue": lambda m, u: services.issue_minutes(m, by=u),
}


@pytest.mark.parametrize("status", [Minutes.Status.DRAFT, Minutes.Status.SUBMITTED, "approved"])
def test_offered_actions_are_exactly_the_accepted_ones(status, office, leader, liaison, member):
    minutes = approved_minutes(office, leader, liaison)
    if status == Minutes.Status.DRAFT:
        services.withdraw_approval(minutes, by=office, reason="回到草稿")
    elif status == Minutes.Status.SUBMITTED:
        services.withdraw_approval(minutes, by=office, reason="回到草稿")
        services.submit_minutes(minutes, by=office)
    minutes.refresh_from_db()
    for user in (office, leader, liaison, member):
        offered = perms.minutes_actions(user, minutes) - {"edit", "preview"}  # no state change
        works = {name for name, call in CALLS.items() if accepted(call, minutes, user)}
        assert offered == works, (user.username, minutes.status)
        minutes.refresh_from_db()
