from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from cases.models import Case, Verification
from duties.models import Task
from meetings.models import AgendaItem, Distribution, Meeting, Minutes
from members.permissions import Role, has_role, is_leader, is_office, role_required

from . import dashboard
from .pagecache import APPS, cached_page


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """GET asks for confirmation (a typed URL must not log anyone out); POST logs out."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return render(request, "registration/logged_out.html")
        return render(request, "registration/logout_confirm.html")


def _todo(user, today) -> list[tuple[str, int, str]]:
    """What waits for this user: (label, count, link). Each role sees its own work, read fresh
    on every visit; counts of one table are read together, in one query."""
    todo = []
    items_url, minutes_url = reverse("meetings:item-list"), reverse("meetings:minutes-list")
    office, leader = is_office(user), is_leader(user)
    if office or leader:
        minutes = Minutes.objects.filter(
            status__in=[Minutes.Status.APPROVED, Minutes.Status.RETURNED, Minutes.Status.SUBMITTED]
        ).aggregate(
            approved=Count("pk", filter=Q(status=Minutes.Status.APPROVED)),
            returned=Count("pk", filter=Q(status=Minutes.Status.RETURNED)),
            submitted=Count("pk", filter=Q(status=Minutes.Status.SUBMITTED)),
        )
    if office:
        items = AgendaItem.objects.filter(
            status__in=[AgendaItem.Status.SUBMITTED, AgendaItem.Status.ACCEPTED]
        ).aggregate(
            submitted=Count("pk", filter=Q(status=AgendaItem.Status.SUBMITTED)),
            accepted=Count("pk", filter=Q(status=AgendaItem.Status.ACCEPTED)),
        )
        todo += [
            ("待审核的议题", items["submitted"], f"{items_url}?status=submitted"),
            ("待安排的议题", items["accepted"], f"{items_url}?status=accepted"),
            ("已审签待印发的纪要", minutes["approved"], minutes_url),
            ("退回修改的纪要", minutes["returned"], minutes_url),
            (
                "各单位未答复的个案核对",
                Verification.objects.filter(answered_at__isnull=True).count(),
                reverse("cases:verification-list"),
            ),
            (
                "措施已全部完成、可以办结的个案",
                Case.objects.filter(status=Case.Status.IMPLEMENTING)
                .exclude(measures__task__status=Task.Status.OPEN)
                .count(),
                reverse("cases:case-list") + "?status=implementing",
            ),
            (
                "超过 3 个工作日未签收的纪要分送",
                dashboard.late_distributions(today).count(),
                minutes_url,
            ),
        ]
    if leader:
        todo.append(("待审签的纪要", minutes["submitted"], minutes_url))
    if has_role(user, Role.LIAISON) and user.unit_id:
        todo += [
            (
                "退回修改的本单位议题",
                AgendaItem.objects.filter(
                    unit_id=user.unit_id, status=AgendaItem.Status.RETURNED
                ).count(),
                f"{items_url}?status=returned",
            ),
            (
                "待签收的纪要",
                Distribution.objects.filter(
                    unit_id=user.unit_id, acknowledged_at__isnull=True
                ).count(),
                minutes_url,
            ),
            (
                "待填报意见的书面审议",
                Meeting.objects.filter(
                    kind=Meeting.Kind.WRITTEN,
                    status=Meeting.Status.NOTIFIED,
                    invited_units=user.unit_id,
                    opinion_deadline__gt=timezone.now(),
                )
                .exclude(opinions__unit_id=user.unit_id)
                .count(),
                reverse("meetings:meeting-list"),
            ),
            (
                "待答复的个案核对请求",
                Verification.objects.filter(unit_id=user.unit_id, answered_at__isnull=True).count(),
                reverse("cases:verification-list"),
            ),
        ]
    return todo


UNIT_TASKS_SHOWN = 10


@role_required()
@require_safe
@cached_page(*APPS)
def home(request):
    user, today = request.user, timezone.localdate()
    office_or_leader = is_office(user) or is_leader(user)
    unit_id = None if office_or_leader else user.unit_id
    context = {
        "today": today,
        "todo": _todo(user, today),
        # Statistics: evaluated only when their cached fragment has expired.
        "overview": dashboard.Overview(today, unit_id=unit_id),
        "statistics_seconds": dashboard.STATISTICS_SECONDS,
        "show_compliance": office_or_leader,
        "show_silent_units": is_office(user),
    }
    if unit_id:
        context["unit_tasks"] = list(dashboard.unit_tasks(unit_id, today)[: UNIT_TASKS_SHOWN + 1])
        context["unit_tasks_shown"] = UNIT_TASKS_SHOWN
        context["unit_items"] = AgendaItem.objects.filter(unit_id=unit_id).order_by(
            "-submitted_at"
        )[:10]
    return render(request, "jiuzhu/home.html", context)


@login_not_required
@require_safe
def healthz(request):
    """For the load balancer and the load benchmark's ceiling: no database, no template."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@requires_csrf_token
def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有访问此页面的权限。"
    return render(request, "403.html", {"message": message}, status=403)
