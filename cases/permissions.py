"""Who may see a case, and who may see its personal data in full. One place.

A unit sees a case only if the case names it: its town, a unit asked to verify, a unit given a
measure. Everyone else gets 404. Full personal data: the office, and liaisons of the named units;
every such view is logged (services.view_full_record). Minimum necessary: a unit named only by
verification requests sees in full only the fields those requests allow (visible_fields).
"""

from django.db.models import Q
from django.http import Http404

from duties.models import Task
from meetings.models import AgendaItem
from members.models import Unit
from members.permissions import Role, Rule, has_role, is_office, offered, office, refusal

from .models import Case, CaseFile, Verification


def sees_all_cases(user) -> bool:
    return has_role(user, Role.OFFICE, Role.LEADER)


def names_unit(unit_id) -> Q:
    return Q(town_id=unit_id) | Q(verifications__unit_id=unit_id) | Q(measures__unit_id=unit_id)


def cases_for_user(user):
    cases = Case.objects.select_related("town")
    if sees_all_cases(user):
        return cases
    if user.unit_id and has_role(user, Role.LIAISON, Role.MEMBER):
        return cases.filter(pk__in=Case.objects.filter(names_unit(user.unit_id)).values("pk"))
    return cases.none()


def get_case_for_user(user, pk) -> Case:
    try:
        # The case page names who registered it and the meeting that deliberated it.
        return (
            cases_for_user(user).select_related("registered_by", "agenda_item__meeting").get(pk=pk)
        )
    except Case.DoesNotExist:
        raise Http404("个案不存在。") from None


def named_unit_ids(case) -> set[int]:
    return (
        {case.town_id}
        | set(case.verifications.values_list("unit_id", flat=True))
        | set(case.measures.values_list("unit_id", flat=True))
    )


ALL_FIELDS = frozenset(Verification.Field.values)


def visible_fields(user, case) -> frozenset[str]:
    """The personal fields (Verification.Field values) `user` may see of `case` in full.

    The office, and the case's own town (which registered it) and the units carrying out a
    measure (which must reach the family): everything. A unit asked only to verify: what its
    requests allow. Anyone else: nothing."""
    if is_office(user):
        return ALL_FIELDS
    if not (has_role(user, Role.LIAISON) and user.unit_id is not None):
        return frozenset()
    if user.unit_id == case.town_id or case.measures.filter(unit_id=user.unit_id).exists():
        return ALL_FIELDS
    shown = set()
    for fields in case.verifications.filter(unit_id=user.unit_id).values_list(
        "shown_fields", flat=True
    ):
        shown |= set(fields)
    return frozenset(shown & ALL_FIELDS)


def can_see_full(user, case) -> bool:
    return bool(visible_fields(user, case))


def can_register(user) -> bool:
    if is_office(user):
        return True
    return (
        has_role(user, Role.LIAISON)
        and user.unit_id is not None
        and Unit.objects.filter(pk=user.unit_id, kind=Unit.Kind.TOWN).exists()
    )


def can_manage_cases(user) -> bool:
    return is_office(user)


def _unanswered(case, user=None) -> str:
    n = case.verifications.filter(answered_at__isnull=True).count()
    return f"还有 {n} 项核对未答复，请等各单位答复后再提请审议。" if n else ""


def _not_deliberated(case, user=None) -> str:
    if case.agenda_item is None or case.agenda_item.status != AgendaItem.Status.DELIBERATED:
        return "会议尚未审议该个案（会议召开或书面审议结束后才能登记）。"
    return ""


def _measures_open(case, user=None) -> str:
    n = case.measures.filter(task__status=Task.Status.OPEN).count()
    return f"还有 {n} 项救助措施未办结。" if n else ""


_BEFORE_MEASURES = tuple(s for s in Case.Status if s not in (*Case.FINAL, Case.Status.IMPLEMENTING))

# Each case action (see members.permissions.Rule): the case page offers exactly these, the
# services refuse with these messages.
CASE_ACTIONS = {
    "verify": Rule(
        office, (Case.Status.RECEIVED, Case.Status.VERIFYING), "个案{status}，不能再发起核对。"
    ),
    "submit": Rule(
        office, (Case.Status.VERIFYING,), "个案须先完成核对，才能提请审议。", _unanswered
    ),
    "decide": Rule(
        office,
        (Case.Status.SUBMITTED,),
        "个案须先提请审议，会议审议后才能登记救助措施。",
        _not_deliberated,
    ),
    "start": Rule(office, (Case.Status.DECIDED,), "个案须先议定救助措施。"),
    "close": Rule(
        office, (Case.Status.IMPLEMENTING,), "只有实施中的个案才能办结。", _measures_open
    ),
    "refuse": Rule(office, _BEFORE_MEASURES, "个案{status}，不能再改为不予救助。"),
}


def case_refusal(action: str, case: Case) -> str:
    return refusal(CASE_ACTIONS, action, case)


def case_offer(user, case: Case) -> tuple[frozenset[str], dict[str, str]]:
    """What the case page offers, and why an expected next step is not offered yet."""
    return offered(CASE_ACTIONS, user, case, hinted=("submit", "decide", "close"))


def verifications_for_user(user, case=None):
    """The office and leaders see every request; a unit sees only the requests sent to it."""
    verifications = Verification.objects.select_related("case", "unit")
    if case is not None:
        verifications = verifications.filter(case=case)
    if sees_all_cases(user):
        return verifications
    if user.unit_id and has_role(user, Role.LIAISON, Role.MEMBER):
        return verifications.filter(unit_id=user.unit_id)
    return verifications.none()


def get_verification_for_user(user, pk) -> Verification:
    try:
        return verifications_for_user(user).get(pk=pk)
    except Verification.DoesNotExist:
        raise Http404("核对请求不存在。") from None


def get_case_file_for_user(user, case_pk, pk) -> CaseFile:
    """A case's material: it carries personal data, so only for those who see the case in full;
    to anyone else it does not exist."""
    case = get_case_for_user(user, case_pk)
    if Verification.Field.FILES not in visible_fields(user, case):
        raise Http404("文件不存在。")
    try:
        return case.files.select_related("case").get(pk=pk)
    except CaseFile.DoesNotExist:
        raise Http404("文件不存在。") from None
