"""Who may see and touch meetings, agenda items and minutes. One place; views and services ask here.

Objects a user may not see are 404, not 403: a liaison learns nothing about another unit's items.
"""

from django.db.models import Q
from django.http import Http404

from members.permissions import Role, has_role, is_leader, is_office

from .models import AgendaItem, Distribution, Material, Meeting, Minutes


def sees_everything(user) -> bool:
    return has_role(user, Role.OFFICE, Role.LEADER)


def is_unit_liaison(user, unit_id) -> bool:
    return has_role(user, Role.LIAISON) and user.unit_id is not None and user.unit_id == unit_id


# --- agenda items -------------------------------------------------------------------------------


def items_for_user(user):
    items = AgendaItem.objects.select_related("unit", "meeting", "submitted_by")
    if sees_everything(user):
        return items
    if user.unit_id and has_role(user, Role.LIAISON, Role.MEMBER):
        return items.filter(unit_id=user.unit_id)
    return items.none()


def get_item_for_user(user, pk) -> AgendaItem:
    try:
        return items_for_user(user).select_related("duty").get(pk=pk)
    except AgendaItem.DoesNotExist:
        raise Http404("议题不存在。") from None


def get_material_for_user(user, item_pk, pk) -> Material:
    """A material of an item the user may see (who sees the item may read its materials)."""
    item = get_item_for_user(user, item_pk)
    try:
        return item.materials.get(pk=pk)
    except Material.DoesNotExist:
        raise Http404("文件不存在。") from None


def can_submit_item(user) -> bool:
    return has_role(user, Role.LIAISON) and user.unit_id is not None


def can_edit_item(user, item: AgendaItem) -> bool:
    return is_unit_liaison(user, item.unit_id)


def can_review_item(user) -> bool:
    return is_office(user)


# --- meetings -----------------------------------------------------------------------------------


def meetings_for_user(user):
    meetings = Meeting.objects.select_related("convener_seat")
    if sees_everything(user):
        return meetings
    if user.unit_id and has_role(user, Role.LIAISON, Role.MEMBER):
        return meetings.filter(invited_units=user.unit_id).exclude(status=Meeting.Status.DRAFT)
    return meetings.none()


def get_meeting_for_user(user, pk) -> Meeting:
    try:
        return meetings_for_user(user).get(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404("会议不存在。") from None


def can_manage_meetings(user) -> bool:
    return is_office(user)


def can_give_opinion(user, meeting: Meeting) -> bool:
    return (
        has_role(user, Role.LIAISON)
        and user.unit_id is not None
        and meeting.invited_units.filter(pk=user.unit_id).exists()
    )


# --- minutes ------------------------------------------------------------------------------------


def minutes_for_user(user):
    minutes = Minutes.objects.select_related("meeting")
    if sees_everything(user):
        return minutes
    if user.unit_id and has_role(user, Role.LIAISON, Role.MEMBER):
        return minutes.filter(
            Q(status=Minutes.Status.ISSUED), Q(distributions__unit_id=user.unit_id)
        )
    return minutes.none()


def get_minutes_for_user(user, pk) -> Minutes:
    try:
        return minutes_for_user(user).get(pk=pk)
    except Minutes.DoesNotExist:
        raise Http404("纪要不存在。") from None


def get_issued_minutes_for_user(user, pk) -> Minutes:
    """Minutes whose PDF the user may download: issued, and visible to the user."""
    minutes = get_minutes_for_user(user, pk)
    if minutes.status != Minutes.Status.ISSUED or not minutes.pdf:
        raise Http404("纪要尚未印发。")
    return minutes


def can_draft_minutes(user) -> bool:
    return is_office(user)


def can_approve_minutes(user) -> bool:
    return is_leader(user)


def can_issue_minutes(user) -> bool:
    return is_office(user)


# Each minutes action: who may take it, and the states the minutes must be in. The service refuses
# with its own message when either fails; the page offers exactly the actions allowed here.
MINUTES_ACTIONS = {
    "edit": (is_office, Minutes.EDITABLE),
    "submit": (is_office, Minutes.EDITABLE),
    "approve": (is_leader, (Minutes.Status.SUBMITTED,)),
    "return": (is_leader, (Minutes.Status.SUBMITTED,)),
    "withdraw": (is_office, (Minutes.Status.APPROVED,)),
    "issue": (is_office, (Minutes.Status.APPROVED,)),
    # 审签稿: the PDF issuance would produce, read before approving (and by the office before
    # submitting and issuing). Not a state change.
    "preview": (
        lambda user: is_office(user) or is_leader(user),
        (*Minutes.EDITABLE, Minutes.Status.SUBMITTED, Minutes.Status.APPROVED),
    ),
}


def minutes_state_allows(action: str, minutes: Minutes) -> bool:
    return minutes.status in MINUTES_ACTIONS[action][1]


def minutes_actions(user, minutes: Minutes) -> frozenset[str]:
    """The actions `user` may take on `minutes` now: what the minutes page offers."""
    return frozenset(
        action
        for action, (role, states) in MINUTES_ACTIONS.items()
        if role(user) and minutes.status in states
    )


def can_preview_minutes(user, minutes: Minutes) -> bool:
    return "preview" in minutes_actions(user, minutes)


def distribution_for(user, minutes: Minutes) -> Distribution | None:
    """The distribution row of the user's own unit for these minutes, if any."""
    if not user.unit_id:
        return None
    return minutes.distributions.filter(unit_id=user.unit_id).first()


def can_acknowledge(user, distribution: Distribution | None) -> bool:
    return distribution is not None and is_unit_liaison(user, distribution.unit_id)
