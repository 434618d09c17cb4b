import ipaddress

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse
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


def client_address(request) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address: REMOTE_ADDR, unless that is one of settings.TRUSTED_PROXIES.

    Behind a trusted proxy, X-Forwarded-For is read from the right (each proxy appends the
    address it was connected from) and the first address that is not a trusted proxy is the
    client; whatever a client wrote further left is never believed. Without TRUSTED_PROXIES the
    header is ignored entirely.
    """
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return None
    proxies = settings.TRUSTED_PROXIES
    if not any(address in net for net in proxies):
        return address
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return None
        if not any(address in net for net in proxies):
            return address
    return address


class AdminNetworkMiddleware:
    """The Django admin (settings.ADMIN_PATH) answers only from settings.ADMIN_NETWORKS.

    ADMIN_NETWORKS None: no check (development, tests); an empty list: the admin is off. Anyone
    else gets the site's ordinary 404, as if there were no admin at all — its login page too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        networks = settings.ADMIN_NETWORKS
        if networks is not None and request.path_info.startswith(f"/{settings.ADMIN_PATH}"):
            address = client_address(request)
            if address is None or not any(address in net for net in networks):
                raise Http404("")
        return self.get_response(request)
