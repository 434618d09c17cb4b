from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST, require_safe

from . import services
from .forms import RosterDateForm, SuccessionForm
from .idempotency import once
from .models import Seat
from .permissions import Role, role_required
from .selectors import roster_on


@role_required()
@require_safe
def roster(request):
    form = RosterDateForm(request.GET or None)
    today = timezone.localdate()
    day = today
    if form.is_valid() and form.cleaned_data["date"]:
        day = form.cleaned_data["date"]
    return render(
        request,
        "members/roster.html",
        {"form": form, "day": day, "is_today": day == today, "roster": roster_on(day)},
    )


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
