"""Who may see and touch meetings, agenda items and minutes. One place; views and services ask here.

Objects a user may not see are 404, not 403: a liaison learns nothing about another unit's items.
"""

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from members.permissions import (
    Role,
    Rule,
    allowed_actions,
    has_role,
    is_leader,
    is_office,
    leader,
    offered,
    office,
    refusal,
)

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


# Each agenda item action (see members.permissions.Rule).
ITEM_ACTIONS = {
    "edit": Rule(can_edit_item, AgendaItem.EDITABLE, "议题{status}，不能再修改。"),
    "withdraw": Rule(can_edit_item, AgendaItem.WITHDRAWABLE, "议题{status}，不能撤回。"),
    "review": Rule(office, (AgendaItem.Status.SUBMITTED,), "议题{status}，不能审核。"),
    "schedule": Rule(office, (AgendaItem.Status.ACCEPTED,), "只有已受理的议题才能列入会议议程。"),
}


def item_refusal(action: str, item: AgendaItem) -> str:
    return refusal(ITEM_ACTIONS, action, item)


def item_actions(user, item: AgendaItem) -> frozenset[str]:
    return allowed_actions(ITEM_ACTIONS, user, item)


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


def _not_started(meeting: Meeting, user=None) -> str:
    if not meeting.is_written and meeting.starts_at > timezone.now():
        return "会议开始后才能标记为已召开。"
    return ""


def _without_agenda(meeting: Meeting, user=None) -> str:
    return "" if meeting.agenda_items.exists() else "会议还没有议题，请先把已受理的议题列入议程。"


def _has_minutes(meeting: Meeting, user=None) -> str:
    # The reverse one-to-one caches its answer (also "none"), so the page asks only once.
    return "这次会议已有纪要。" if hasattr(meeting, "minutes") else ""


def _no_roll(meeting: Meeting, user=None) -> str:
    return "书面审议不登记出席情况。" if meeting.is_written else ""


def _no_observers(meeting: Meeting, user=None) -> str:
    return "书面审议没有列席人员。" if meeting.is_written else ""


def _gives_opinion(user, meeting: Meeting) -> bool:
    return meeting.is_written and can_give_opinion(user, meeting)


def _past_deadline(meeting: Meeting, user=None) -> str:
    if not meeting.is_written:
        return "只有书面审议需要填报意见。"
    if meeting.opinion_deadline and meeting.opinion_deadline < timezone.now():
        return "已过意见截止时间，不能再填报。请联系办公室。"
    return ""


_PREPARING = (Meeting.Status.DRAFT, Meeting.Status.NOTIFIED)
_SAT = (Meeting.Status.HELD, Meeting.Status.CLOSED)

# Each meeting action (see members.permissions.Rule): the page offers exactly these, the services
# refuse with these messages.
MEETING_ACTIONS = {
    "edit": Rule(office, _PREPARING, "会议{status}，不能再修改。"),
    "notify": Rule(
        office, (Meeting.Status.DRAFT,), "会议{status}，不能再发通知。", _without_agenda
    ),
    "hold": Rule(
        office, (Meeting.Status.NOTIFIED,), "会议{status}，不能标记为已召开。", _not_started
    ),
    "cancel": Rule(office, _PREPARING, "会议{status}，不能取消。"),
    "attendance": Rule(office, _SAT, "会议召开后才能登记出席情况。", _no_roll),
    "observer": Rule(office, _SAT, "会议召开后才能登记列席人员。", _no_observers),
    "draft-minutes": Rule(office, _SAT, "会议召开后才能起草纪要。", _has_minutes),
    "opinion": Rule(
        _gives_opinion,
        (Meeting.Status.NOTIFIED,),
        "书面审议{status}，不能填报意见。",
        _past_deadline,
    ),
}


def meeting_refusal(action: str, meeting: Meeting) -> str:
    return refusal(MEETING_ACTIONS, action, meeting)


def meeting_actions(user, meeting: Meeting) -> frozenset[str]:
    return allowed_actions(MEETING_ACTIONS, user, meeting)


# The blocked actions whose reason the page shows (the others would only be noise).
_HINTED = ("notify", "hold", "opinion")


def meeting_offer(user, meeting: Meeting) -> tuple[frozenset[str], dict[str, str]]:
    """What the meeting page offers, and why some expected buttons are not there yet."""
    return offered(MEETING_ACTIONS, user, meeting, hinted=_HINTED)


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
    "edit": Rule(office, Minutes.EDITABLE),
    "submit": Rule(office, Minutes.EDITABLE),
    "approve": Rule(leader, (Minutes.Status.SUBMITTED,)),
    "return": Rule(leader, (Minutes.Status.SUBMITTED,)),
    "withdraw": Rule(office, (Minutes.Status.APPROVED,)),
    "issue": Rule(office, (Minutes.Status.APPROVED,)),
    # 审签稿: the PDF issuance would produce, read before approving (and by the office before
    # submitting and issuing). Not a state change.
    "preview": Rule(
        lambda user, minutes=None: is_office(user) or is_leader(user),
        (*Minutes.EDITABLE, Minutes.Status.SUBMITTED, Minutes.Status.APPROVED),
    ),
}


def minutes_state_allows(action: str, minutes: Minutes) -> bool:
    return not refusal(MINUTES_ACTIONS, action, minutes)


def minutes_actions(user, minutes: Minutes) -> frozenset[str]:
    """The actions `user` may take on `minutes` now: what the minutes page offers."""
    return allowed_actions(MINUTES_ACTIONS, user, minutes)


def can_preview_minutes(user, minutes: Minutes) -> bool:
    return "preview" in minutes_actions(user, minutes)


def distribution_for(user, minutes: Minutes) -> Distribution | None:
    """The distribution row of the user's own unit for these minutes, if any."""
    if not user.unit_id:
        return None
    return minutes.distributions.filter(unit_id=user.unit_id).first()


def can_acknowledge(user, distribution: Distribution | None) -> bool:
    return distribution is not None and is_unit_liaison(user, distribution.unit_id)
