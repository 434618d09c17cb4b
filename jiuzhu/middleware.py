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
