"""URLs of single objects, for list pages that link every row."""

import functools

from django.urls import get_script_prefix, reverse


def object_url(viewname: str, pk: int) -> str:
    """reverse(viewname, args=[pk]), remembered: a list page links each of its rows, and
    reverse() costs tens of microseconds each time while the answer never changes."""
    return _object_url(get_script_prefix(), viewname, pk)


@functools.lru_cache(maxsize=20_000)
def _object_url(script_prefix: str, viewname: str, pk: int) -> str:
    return reverse(viewname, args=[pk])
