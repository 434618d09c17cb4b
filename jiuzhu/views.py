from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from cases.models import Case, Verification
from duties.models import Duty, Task
from meetings.models import AgendaItem, Distribution, Meeting, Minutes
from members.models import Seat, Unit
from members.permissions import Role, has_role, is_leader, is_office, role_required

from . import dashboard


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """GET asks for confirmation (a typed URL must not log anyone out); POST logs out."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return render(request, "registration/logged_out.html")
        return render(request, "registration/logout_confirm.html")


def _todo(user) -> list[tuple[str, int, str]]:
    """What waits for this user: (label, count, link). Each role sees its own work."""
    todo = []
    if is_office(user):
        todo += [
            (
                "待审核的议题",
                AgendaItem.objects.filter(status=AgendaItem.Status.SUBMITTED).count(),
                reverse("meetings:item-list") + "?status=submitted",
            ),
            (
                "待安排的议题",
                AgendaItem.objects.filter(status=AgendaItem.Status.ACCEPTED).count(),
                reverse("meetings:item-list") + "?status=accepted",
            ),
            (
                "已审签待印发的纪要",
                Minutes.objects.filter(status=Minutes.Status.APPROVED).count(),
                reverse("meetings:minutes-list"),
            ),
            (
                "退回修改的纪要",
                Minutes.objects.filter(status=Minutes.Status.RETURNED).count(),
                reverse("meetings:minutes-list"),
            ),
        ]
    if is_office(user):
        todo += [
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
        ]
    if is_leader(user):
        todo.append(
            (
                "待审签的纪要",
                Minutes.objects.filter(status=Minutes.Status.SUBMITTED).count(),
                reverse("meetings:minutes-list"),
            )
        )
    if has_role(user, Role.LIAISON) and user.unit_id:
        unit_items = AgendaItem.objects.filter(unit_id=user.unit_id)
        todo += [
            (
                "退回修改的本单位议题",
                unit_items.filter(status=AgendaItem.Status.RETURNED).count(),
                reverse("meetings:item-list") + "?status=returned",
            ),
            (
                "待签收的纪要",
                Distribution.objects.filter(
                    unit_id=user.unit_id, acknowledged_at__isnull=True
                ).count(),
                reverse("meetings:minutes-list"),
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


@role_required()
@require_safe
def home(request):
    user, today = request.user, timezone.localdate()
    office_or_leader = is_office(user) or is_leader(user)
    unit_id = None if office_or_leader else user.unit_id
    context = {
        "today": today,
        "todo": _todo(user),
        "seat_count": Seat.objects.in_service_on(today).count(),
        "unit_count": Unit.objects.filter(active=True).count(),
        "duty_count": Duty.objects.count(),
        "overdue": dashboard.overdue_by_unit(today, unit_id=unit_id),
        "escalations": dashboard.open_escalations(unit_id=unit_id),
    }
    bars, scale = dashboard.task_chart(today, unit_id=unit_id)
    context["chart"] = [(bar, list(bar.segments(scale))) for bar in bars]
    if office_or_leader:
        context["compliance"] = dashboard.compliance(today)
    if is_office(user):
        context["late_distributions"] = dashboard.late_distributions(today).count()
        context["silent_units"] = dashboard.silent_units(today.year)
    if unit_id:
        context["unit_tasks"] = dashboard.unit_tasks(unit_id, today)
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
