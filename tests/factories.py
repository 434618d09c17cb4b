"""Plain helpers that make the objects tests need. No factory library: these are enough."""

from django.contrib.auth.models import Group

from members.models import Unit, User
from members.permissions import Role

PASSWORD = "correct-horse-battery"


def make_user(
    username: str, role: Role | None = None, unit: Unit | str | None = None, **kw
) -> User:
    if isinstance(unit, str):
        unit = Unit.objects.get(name=unit)
    user = User.objects.create_user(username=username, password=PASSWORD, unit=unit, **kw)
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user
