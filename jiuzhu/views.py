from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_http_methods, require_safe

from meetings.models import AgendaItem
from members.permissions import is_leader, is_office, role_required

from . import dashboard
from . import search as site_search


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Where the office opened the 核验 page to everyone, people without an account find it here.
        return {**super().get_context_data(**kwargs), "verify_public": settings.VERIFY_PUBLIC}


class LogoutView(auth_views.LogoutView):
    """GET asks for confirmation (a typed URL must not log anyone out); POST logs out."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return render(request, "registration/logged_out.html")
        return render(request, "registration/logout_confirm.html")


UNIT_TASKS_SHOWN = 10
COMING_MEETINGS_SHOWN = 5


@role_required()
@require_safe
def home(request):
    user, today = request.user, timezone.localdate()
    office_or_leader = is_office(user) or is_leader(user)
    unit_id = None if office_or_leader else user.unit_id
    context = {
        "today": today,
        "todo": dashboard.todo(user, today),
        "overview": dashboard.Overview(today, unit_id=unit_id),
        "show_compliance": office_or_leader,
        "show_silent_units": is_office(user),
    }
    if unit_id:
        context["coming_meetings"] = list(
            dashboard.coming_meetings(unit_id, timezone.now())[:COMING_MEETINGS_SHOWN]
        )
        context["unit_tasks"] = list(dashboard.unit_tasks(unit_id, today)[: UNIT_TASKS_SHOWN + 1])
        context["unit_tasks_shown"] = UNIT_TASKS_SHOWN
        context["unit_items"] = AgendaItem.objects.filter(unit_id=unit_id).order_by(
            "-submitted_at"
        )[:10]
    return render(request, "jiuzhu/home.html", context)


@role_required()
@require_http_methods(["GET", "HEAD", "POST"])
def search(request):
    """The navigation's search box: results grouped by kind, each only if the user may see it.

    Words go in the URL (GET: a result page can be bookmarked and gone back to). An ID or phone
    number never does: web-server logs, browser history and Referer would keep it. The box posts
    such a query (static/js/jiuzhu.js; the search page's form for the office posts without
    script), and a number that arrives in a URL anyway is not searched for."""
    posted = request.method == "POST"
    query = (request.POST if posted else request.GET).get("q", "")
    error, groups, words = "", [], []
    number_in_url = not posted and site_search.holds_personal_number(query)
    try:
        if number_in_url:
            raise site_search.QueryError(site_search.NUMBER_IN_URL)
        words = site_search.parse(query)
        groups = site_search.search(request.user, words)
    except site_search.QueryError as e:
        error = str(e)
    shown = "" if number_in_url else query.strip()
    response = render(
        request,
        "jiuzhu/search.html",
        {
            "query": shown[: site_search.MAX_LENGTH],
            "words": words,
            "groups": groups,
            "error": error,
            "number_in_url": number_in_url,
            "per_kind": site_search.PER_KIND,
            "search_query": shown,
        },
    )
    # The office's results can name cases: keep them out of any cache, like the full record.
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@require_safe
def healthz(request):
    """For the load balancer and the load benchmark's ceiling: no database, no template."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@requires_csrf_token
def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有访问此页面的权限。"
    return render(request, "403.html", {"message": message}, status=403)
