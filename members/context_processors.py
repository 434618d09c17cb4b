from .permissions import Role, roles_of


def roles(request):
    """Lets the base template show each role only what it may use."""
    user_roles = roles_of(request.user) if hasattr(request, "user") else frozenset()
    return {
        "user_roles": {role.name.lower(): role in user_roles for role in Role},
        "user_role_names": [role.value for role in Role if role in user_roles],
    }


def inbox(request):
    """The navbar's unread count: one COUNT on the partial unread index, run only when a page
    actually shows the badge (signed-in pages), not on the login page or a file download."""
    from django.utils.functional import SimpleLazyObject

    from .models import Notification

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_count": 0}
    return {
        "unread_count": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        )
    }
