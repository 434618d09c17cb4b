"""Who may do what: the one place that knows the roles (Django groups) and what they allow.

Views call `role_required(...)` and the `can_*` helpers; services call the same helpers, so a
rule is written once and the view and the service cannot disagree.
"""

from enum import StrEnum
from functools import wraps

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
