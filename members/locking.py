"""The one way a service locks the row a state change reads and writes."""

from django.db import models


def lock[M: models.Model](obj: M) -> M:
    """Re-read ``obj`` with SELECT … FOR UPDATE (inside the caller's transaction) and return it.

    Services check state on the returned copy, never on the instance the view passed in, so
    two requests that race see each other's committed change.
    """
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)
