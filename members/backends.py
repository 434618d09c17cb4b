"""The authentication backend: Django's ModelBackend, with the signed-in user of each request
read from the shared cache when there is one (JIUZHU_REDIS_URL).

Every page needs its user, the user's unit and the user's roles: two queries per request without
a cache. With a cache shared by all workers, they are one cache read; any change to the user,
its groups or its unit deletes the cached copy (signals below), so a disabled account or a
changed password still takes effect on the next request, in every worker. The copy also expires
after AUTH_USER_CACHE_SECONDS, which bounds a change made behind the ORM's back (a raw SQL
update). Without a shared cache (a single-process development server, or a deployment without
Redis) nothing is cached: a per-worker cache could not be invalidated across workers.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Unit, User
from .permissions import roles_of


def _key(user_id) -> str:
    return f"auth-user:{user_id}"


class CachedUserBackend(ModelBackend):
    def get_user(self, user_id):
        seconds = settings.AUTH_USER_CACHE_SECONDS
        user = cache.get(_key(user_id)) if seconds else None
        if user is None:
            user = super().get_user(user_id)  # the user with its unit (UnitUserManager)
            if user is None:
                return None
            if seconds:
                roles_of(user)  # read the roles now, so that the cached copy carries them
                cache.set(_key(user_id), user, seconds)
        return user if self.user_can_authenticate(user) else None


def forget_users(user_ids):
    """Drop cached users now, and again once the change is committed: a request between the
    two may have cached the row as it was before the commit."""
    keys = [_key(pk) for pk in user_ids]
    if keys and settings.AUTH_USER_CACHE_SECONDS:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _user_changed(sender, instance, **kwargs):
    forget_users([instance.pk])


@receiver(m2m_changed, sender=User.groups.through)
def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        # user.groups.add(…) names the user; group.user_set.add(…) names the users (pk_set),
        # except for clear(), which names none: then every member may have changed.
        if not reverse:
            forget_users([instance.pk])
        elif pk_set:
            forget_users(pk_set)
        else:
            forget_users(get_user_model().objects.values_list("pk", flat=True))


@receiver(post_save, sender=Unit)
def _unit_changed(sender, instance, **kwargs):
    """Every page shows the user's unit: its users' cached copies carry the old name."""
    forget_users(User.objects.filter(unit=instance).values_list("pk", flat=True))
