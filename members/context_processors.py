from .permissions import Role, roles_of


def roles(request):
    """Lets the base template show each role only what it may use."""
    user_roles = roles_of(request.user) if hasattr(request, "user") else frozenset()
    return {
        "user_roles": {role.name.lower(): role in user_roles for role in Role},
        "user_role_names": [role.value for role in Role if role in user_roles],
    }
