from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from . import notifications, services
from .forms import CalendarDayForm, NotifySettingsForm, RosterDateForm, SuccessionForm
from .idempotency import once
from .models import CalendarDay, Delivery, Notification, Seat
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


# --- 站内消息 ---------------------------------------------------------------------------------


@role_required()
@require_safe
def inbox(request):
    """The user's own notifications, newest first; filter by unread and by kind."""
    rows = Notification.objects.filter(recipient=request.user)
    unread = request.GET.get("unread") == "1"
    kind = request.GET.get("kind", "")
    if unread:
        rows = rows.filter(read_at__isnull=True)
    if kind in Notification.Kind.values:
        rows = rows.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(rows, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/inbox.html",
        {"page": page, "unread": unread, "kind": kind, "kinds": Notification.Kind.choices},
    )


@role_required()
@require_POST
def notification_open(request, pk):
    """Opening a message marks it read and goes to what it is about."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(notification)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("members:inbox")
    return redirect(target)


@role_required()
@require_POST
def inbox_read_all(request):
    count = notifications.mark_all_read(request.user)
    messages.success(request, f"已将 {count} 条消息标为已读。")
    return redirect("members:inbox")


@role_required()
def notify_settings(request):
    """The user's e-mail address and whether notifications also go there."""
    user = request.user
    if request.method == "POST":
        form = NotifySettingsForm(request.POST)
        if form.is_valid():
            user.email, user.notify_by = form.cleaned_data["email"], form.cleaned_data["notify_by"]
            user.save(update_fields=["email", "notify_by"])
            messages.success(request, "通知方式已保存。")
            return redirect("members:inbox")
    else:
        form = NotifySettingsForm(initial={"email": user.email, "notify_by": user.notify_by})
    return render(request, "members/inbox_settings.html", {"form": form})


@role_required(Role.OFFICE)
@require_safe
def delivery_list(request):
    """Every e-mail sent or being sent, for the office: sent, retrying, failed."""
    rows = Delivery.objects.select_related("notification__recipient__unit")
    status = request.GET.get("status", "")
    if status in Delivery.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/delivery_list.html",
        {"page": page, "status": status, "statuses": Delivery.Status.choices},
    )


@role_required(Role.OFFICE)
@require_POST
def delivery_resend(request, pk):
    delivery = get_object_or_404(Delivery, pk=pk)
    notifications.resend(delivery)
    messages.success(request, f"已重新发送给 {delivery.address}。")
    return redirect("members:delivery-list")


@role_required(Role.OFFICE)
def workday_list(request):
    """工作日调整: the office's own days off and working days, over the State Council's."""
    from . import workdays

    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["date"]
        if CalendarDay.objects.filter(date=day).exists():
            form.add_error("date", "这一天已经调整过，请先删除原来的记录。")
        else:
            CalendarDay.objects.create(
                date=day,
                is_working_day=form.cleaned_data["is_working_day"],
                note=form.cleaned_data["note"].strip(),
            )
            messages.success(request, f"已添加 {date_format(day)}。")
            return redirect("members:workday-list")
    return render(
        request,
        "members/workday_list.html",
        {
            "form": form,
            "days": CalendarDay.objects.all(),
            "known_until": workdays.known_until(),
        },
    )


@role_required(Role.OFFICE)
@require_POST
def workday_delete(request, pk):
    day = get_object_or_404(CalendarDay, pk=pk)
    day.delete()
    messages.success(request, f"已删除 {date_format(day.date)} 的调整。")
    return redirect("members:workday-list")
