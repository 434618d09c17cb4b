import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, say so in Chinese (503) instead of a bare 500.

    The page is rendered without a request context: context processors would query the very
    database that is down.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError) or (
            isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
        ):
            response = HttpResponse(render_to_string("503.html"), status=503)
            response["Retry-After"] = "60"
            return response
        return None


class IdleTimeoutMiddleware:
    """Sessions end SESSION_COOKIE_AGE after the last request, without a database write on every
    request (what SESSION_SAVE_EVERY_REQUEST would cost: an UPDATE and a commit per page).

    A signed-in session is saved again, which moves its expiry forward, once its last save is
    older than SESSION_REFRESH_SECONDS; the idle limit is therefore between SESSION_COOKIE_AGE
    minus that interval and SESSION_COOKIE_AGE. Sits after SessionMiddleware, so the save happens
    in SessionMiddleware's response phase, with everything else the request put in the session.
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response
        self.interval = settings.SESSION_REFRESH_SECONDS

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only sessions the request read already (every signed-in page does, for its user): a
        # request that never touched its session, such as /healthz, costs no query here.
        if session is not None and session.accessed and SESSION_KEY in session:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= self.interval:
                session[self.KEY] = now
        return response
