"""Rendered pages kept in the shared cache until the data under them changes.

Reads outnumber writes many times over in this office: a ledger, a meeting or a case is opened
again and again between two changes. `cached_page("duties", "members")` keeps a page's HTML in
the cache under a key made of the user, the URL, the day, the release (the project's code and
templates as deployed), and the *generation* of each app the page shows. Every committed INSERT, UPDATE or DELETE on an app's tables moves that app's
generation on (watched at the database layer, so queryset updates, bulk writes and raw SQL
through Django count too), so the next request for any page of that app renders afresh: a
cached page is never older than the data it shows. Time alone (a deadline passing) is bounded by
PAGE_CACHE_SECONDS.

Per-request parts are not cached: the CSRF token of the page's forms is put back freshly on
every hit, a page with a message to show (after a POST) or one that used its CSP nonce is never
cached, and the permission
check runs before the cache is consulted (role_required wraps cached_page). The key holds the
user, so each user only ever gets pages rendered for them.

Only with a cache shared by every worker (JIUZHU_REDIS_URL): a per-process cache could not see
another worker's writes. Without one PAGE_CACHE_SECONDS is 0 and pages are rendered each time.
"""

import hashlib
import re
import time
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

APPS = ("members", "duties", "meetings", "cases")
# Tables whose writes change no page this module caches: sessions (renewed every few minutes),
# the login throttle, Django's own bookkeeping, and the log of who opened a full case record.
IGNORED_TABLES = re.compile(r'^"?(django_|axes_|cases_accesslog)')
TABLE_APPS = {"auth": ("members",)}  # groups are roles, shown with the user
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)', re.I)
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
CSRF_SLOT = b"__jiuzhu_csrf_token__"


def _generation_key(app: str) -> str:
    return f"generation:{app}"


def generations(apps) -> tuple[int, ...]:
    """The current generation of each app: one cache round trip."""
    keys = [_generation_key(a) for a in apps]
    found = cache.get_many(keys)
    missing = {k: time.time_ns() for k in keys if k not in found}
    if missing:
        # A generation the cache has lost (restart, eviction) starts again from the clock: a
        # value it can never have had before, so no old page matches it.
        cache.set_many(missing, timeout=None)
        found.update(missing)
    return tuple(found[k] for k in keys)


def bump(apps) -> None:
    for app in apps:
        key = _generation_key(app)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, time.time_ns(), timeout=None)


def apps_of_table(table: str) -> tuple[str, ...]:
    prefix = table.strip('"').split("_", 1)[0]
    if prefix in APPS:
        return (prefix,)
    return TABLE_APPS.get(prefix, APPS)  # an unknown table: assume it changes everything


class _Pending:
    """The apps written in one transaction (at one savepoint level), bumped when it commits."""

    def __init__(self):
        self.apps: set[str] = set()

    def __call__(self):
        bump(sorted(self.apps))


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    match = WRITE.match(sql) if isinstance(sql, str) else None
    if match and not IGNORED_TABLES.match(match.group(1)):
        _changed(context["connection"], apps_of_table(match.group(1)))
    return result


def _changed(connection, apps):
    if not connection.in_atomic_block:
        bump(apps)
    elif any(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        # Under a test's transaction nothing ever commits: the write itself is the change.
        bump(apps)
    else:
        # After the commit, once per transaction and savepoint level (a savepoint rolled back
        # takes its pending bump with it, and its writes were undone).
        level = set(connection.savepoint_ids)
        for sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _Pending) and sids == level:
                func.apps.update(apps)
                return
        pending = _Pending()
        pending.apps.update(apps)
        connection.on_commit(pending)


def watch_connection(sender, connection, **kwargs):
    """connection_created: every database connection of every process reports its writes."""
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def watch_open_connections():
    for connection in connections.all(initialized_only=True):
        watch_connection(None, connection)


def _release() -> str:
    """The code and templates this process runs: a deployment renders its pages afresh."""
    root = Path(settings.BASE_DIR)
    stamps = sorted(
        (str(path.relative_to(root)), path.stat().st_mtime_ns)
        for folder in ("jiuzhu", *APPS, "templates")
        for path in (root / folder).rglob("*")
        if path.suffix in {".py", ".html"}
    )
    return hashlib.sha256(repr(stamps).encode()).hexdigest()[:16]


RELEASE = _release()


def _key(request, apps) -> str:
    parts = (
        RELEASE,
        request.user.pk,
        request.get_full_path(),
        timezone.localdate().isoformat(),
        apps,
        generations(apps),
    )
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_page(*apps):
    """Keep the view's 200 HTML response until one of `apps` changes (see the module's text).

    Goes inside role_required, so that the role is checked on every request.
    """
    unknown = set(apps) - set(APPS)
    if unknown or not apps:
        raise ValueError(f"unknown apps: {unknown or apps}")

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            seconds = settings.PAGE_CACHE_SECONDS
            if not seconds or request.method != "GET" or len(get_messages(request)):
                return view(request, *args, **kwargs)
            key = _key(request, apps)
            hit = cache.get(key)
            if hit is not None:
                content, content_type = hit
                token = get_token(request).encode()
                return HttpResponse(content.replace(CSRF_SLOT, token), content_type=content_type)
            response = view(request, *args, **kwargs)
            content_type = response.get("Content-Type", "")
            if (
                # A page that used its CSP nonce (an inline script) is bound to this response.
                not getattr(request, "_csp_nonce", None)
                and response.status_code == 200
                and not response.streaming
                and content_type.startswith("text/html")
                and not response.cookies
                and "Cache-Control" not in response
            ):
                content = CSRF_INPUT.sub(
                    lambda m: m.group(0).replace(m.group(1), CSRF_SLOT), response.content
                )
                cache.set(key, (content, content_type), seconds)
            return response

        return wrapper

    return decorator
