"""Who may do what: the one place that knows the roles (Django groups) and what they allow.

Views call `role_required(...)` and the `can_*` helpers; services call the same helpers, so a
rule is written once and the view and the service cannot disagree.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied


class Role(StrEnum):
    OFFICE = "办公室"
    LEADER = "领导"
    LIAISON = "联络员"
    MEMBER = "成员"


ALL_ROLES = tuple(Role)


def roles_of(user) -> frozenset[Role]:
    """The user's roles, read once per request object and cached on it."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_jiuzhu_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        user._jiuzhu_roles = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def is_office(user) -> bool:
    return has_role(user, Role.OFFICE)


def is_leader(user) -> bool:
    return has_role(user, Role.LEADER)


def office(user, obj=None) -> bool:
    """`is_office` in the (user, object) shape of a `Rule`'s role."""
    return is_office(user)


def leader(user, obj=None) -> bool:
    return is_leader(user)


class Rule(NamedTuple):
    """One action on one kind of object: who may take it, in which states, and what else must hold.

    Each app lists its objects' actions as {action: Rule} in its permissions.py. The page offers
    exactly `allowed_actions()`, the service refuses with `refusal()`, so a button is shown exactly
    when its POST would be accepted (tests compare the two for every role and state).

    `role(user, obj)` says who. `states` are the statuses in which the action belongs at all; in
    any other the page shows nothing and the service refuses with `message` ({status} is the
    object's status label). `blocker(obj, user)` says why an action that belongs cannot be taken
    yet ("" when it can): the page may show that line in place of a button that could only fail.
    """

    role: Callable[[Any, Any], bool]
    states: tuple
    message: str = "当前状态（{status}）不能进行此操作。"
    blocker: Callable[[Any, Any], str] | None = None


def state_refusal(rules: dict[str, Rule], action: str, obj) -> str:
    """Why the object's status refuses `action` ("" when the action belongs to it)."""
    rule = rules[action]
    if obj.status not in rule.states:
        return rule.message.format(status=obj.get_status_display())
    return ""


def refusal(rules: dict[str, Rule], action: str, obj, user=None) -> str:
    """Why the object's state refuses `action` now ("" when it allows it)."""
    rule = rules[action]
    return state_refusal(rules, action, obj) or (rule.blocker(obj, user) if rule.blocker else "")


def offered(rules: dict[str, Rule], user, obj, *, hinted=()) -> tuple[frozenset[str], dict]:
    """(the actions `user` may take on `obj` now, {action: reason} for those of `hinted` that
    the user could take in this state but not yet). Each predicate is asked once."""
    allowed, reasons = set(), {}
    for action, rule in rules.items():
        if obj.status not in rule.states or not rule.role(user, obj):
            continue
        why = rule.blocker(obj, user) if rule.blocker else ""
        if not why:
            allowed.add(action)
        elif action in hinted:
            reasons[action] = why
    return frozenset(allowed), reasons


def allowed_actions(rules: dict[str, Rule], user, obj) -> frozenset[str]:
    """The actions `user` may take on `obj` now: what its page offers."""
    return offered(rules, user, obj)[0]


def can_record_succession(user) -> bool:
    return is_office(user)


def role_required(*roles: Role):
    """Decorator: the signed-in user must hold one of `roles` (403 otherwise).

    Anonymous users never get here: LoginRequiredMiddleware sends them to the login page.
    """
    allowed = set(roles or ALL_ROLES)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not roles_of(request.user) & allowed:
                raise PermissionDenied("您的账号没有访问此页面的权限。")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def throttle_username(request, credentials) -> str:
    """The username django-axes records for a login attempt: what was typed, made storable
    (no NUL characters, at most 150 characters, the longest a username can be)."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username", "") if request is not None else ""
    return str(raw).replace("\x00", "")[:150]
