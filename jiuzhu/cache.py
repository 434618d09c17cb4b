"""Django's Redis cache, except that Redis being unreachable is a cache miss, not an error page.

Everything kept in the cache can be had from the database again: sessions (cached_db), the
signed-in user, rendered pages. So when Redis is down or slow (half a second at most), the app
reads the database and renders pages as it does without a shared cache, and logs a warning.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _tolerant(name, fallback):
    method = getattr(RedisCache, name)

    def tolerant(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as e:
            logger.warning("Redis 无法访问（%s）：%s", name, e)
            if isinstance(fallback, type) and issubclass(fallback, Exception):
                raise fallback(str(e)) from e
            return fallback() if callable(fallback) else fallback

    tolerant.__name__ = name
    return tolerant


class TolerantRedisCache(RedisCache):
    get = _tolerant("get", None)
    get_many = _tolerant("get_many", dict)
    set = _tolerant("set", None)
    set_many = _tolerant("set_many", list)
    add = _tolerant("add", False)
    touch = _tolerant("touch", False)
    has_key = _tolerant("has_key", False)
    delete = _tolerant("delete", False)
    delete_many = _tolerant("delete_many", None)
    incr = _tolerant("incr", ValueError)  # the caller's "no such key" path
    clear = _tolerant("clear", False)
