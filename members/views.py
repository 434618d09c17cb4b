from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from . import services
from .forms import RosterDateForm, SuccessionForm
from .idempotency import once
from .models import Seat
from .permissions import Role, role_required
from .selectors import roster_on
from .xlsx import XLSX, workbook


def _roster_day(request):
    """The date asked for (?date=), today when none or a malformed one is given."""
    form = RosterDateForm(request.GET or None)
    today = timezone.localdate()
    day = today
    if form.is_valid() and form.cleaned_data["date"]:
        day = form.cleaned_data["date"]
    return form, day, today


@role_required()
@require_safe
def roster(request):
    form, day, today = _roster_day(request)
    return render(
        request,
        "members/roster.html",
        {"form": form, "day": day, "is_today": day == today, "roster": roster_on(day)},
    )


ROSTER_COLUMNS = [
    ("角色", 8),
    ("姓名", 10),
    ("职务", 48),
    ("单位", 26),
    ("任职起始", 12),
    ("任职依据", 22),
]


@role_required()
@require_safe
def roster_export(request):
    """The roster as of the date asked for, as an Excel workbook (the page's own list)."""
    _, day, _ = _roster_day(request)
    rows = (
        (
            line.seat.get_role_display(),
            line.person_name or "（空缺）",
            line.post,
            line.seat.unit.name,
            line.tenure.start if line.tenure else None,
            line.tenure.basis if line.tenure else "",
        )
        for lines in roster_on(day).values()
        for line in lines
    )
    content = workbook(f"{day:%Y-%m-%d}名单", ROSTER_COLUMNS, rows)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"领导小组组成人员-{day:%Y%m%d}.xlsx"
    )
    return response


@role_required()
@require_safe
def seat_detail(request, pk):
    seat = get_object_or_404(Seat.objects.select_related("unit"), pk=pk)
    tenures = seat.tenures.select_related("person", "recorded_by").order_by("-start")
    return render(request, "members/seat_detail.html", {"seat": seat, "tenures": tenures})


@role_required(Role.OFFICE)
@once
def seat_succession(request, pk):
    seat = get_object_or_404(Seat.objects.select_related("unit"), pk=pk)
    current = seat.current_tenure
    if request.method == "POST":
        form = SuccessionForm(request.POST)
        if form.is_valid():
            try:
                tenure = services.record_succession(seat, by=request.user, **form.cleaned_data)
            except services.MembersError as e:
                form.add_error(None, str(e))
            else:
                messages.success(
                    request, f"已记录：{tenure.person.name} 自 {date_format(tenure.start)} 起接任。"
                )
                return redirect(seat)
    else:
        initial = {"post": current.post} if current else {}
        form = SuccessionForm(initial=initial)
    return render(
        request,
        "members/seat_succession.html",
        {"seat": seat, "current": current, "form": form},
    )


@role_required(Role.OFFICE)
@require_safe
def lockout_list(request):
    """Accounts locked out by repeated wrong passwords (django-axes), for the office to lift."""
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).order_by("-attempt_time")
    return render(request, "members/lockout_list.html", {"attempts": attempts})


@role_required(Role.OFFICE)
@require_POST
def lockout_reset(request, pk):
    attempt = get_object_or_404(AccessAttempt, pk=pk)
    axes_reset(ip=attempt.ip_address, username=attempt.username)
    messages.success(request, f"已解除“{attempt.username}”的登录锁定。")
    return redirect("members:lockout-list")
