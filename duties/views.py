from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from members import notifications
from members.files import serve_stored_file
from members.forms import form_errors
from members.models import Liaison, Seat, Tenure, Unit
from members.permissions import Role, role_required
from members.xlsx import XLSX

from . import permissions as perms
from . import selectors, services
from .exports import ledger_xlsx
from .forms import (
    CloseTaskForm,
    DecideExtensionForm,
    DutySearchForm,
    EscalationForm,
    ExtensionForm,
    FeedbackForm,
    ResolveForm,
    TaskFilterForm,
    TaskForm,
)
from .models import Duty, Light, Task, TaskUnit


@role_required()
@require_safe
def catalogue(request):
    form = DutySearchForm(request.GET or None)
    duties = Duty.objects.prefetch_related("units")
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        duties = duties.search(query)
    duties = list(duties)
    # Headings numbered as the charter numbers them, even when a search hides a group.
    groups = [
        (f"（{numeral}）{label}", [d for d in duties if d.category == value])
        for numeral, (value, label) in zip("一二三", Duty.Category.choices, strict=True)
    ]
    return render(
        request,
        "duties/catalogue.html",
        {"form": form, "query": query, "groups": groups, "match_count": len(duties)},
    )


@role_required()
@require_safe
def unit_list(request):
    units = Unit.objects.filter(active=True)
    return render(request, "duties/unit_list.html", {"units": units})


@role_required()
@require_safe
def unit_detail(request, pk):
    unit = get_object_or_404(Unit, pk=pk)
    today = timezone.localdate()
    seats = unit.seats.in_service_on(today).prefetch_related(
        Prefetch(
            "tenures",
            queryset=Tenure.objects.filter(end__isnull=True).select_related("person"),
            to_attr="open_tenures",
        )
    )
    liaisons = Liaison.objects.on(today).filter(unit=unit).select_related("person")
    return render(
        request,
        "duties/unit_detail.html",
        {
            "unit": unit,
            "seats": seats,
            "liaisons": liaisons,
            "duties": Duty.objects.for_unit(unit),
            "roles": Seat.Role,
        },
    )


# --- the 督办台账 -----------------------------------------------------------------------------


def _ledger(request):
    user_tasks = perms.tasks_for_user(request.user)
    units = (
        None
        if perms.sees_everything(request.user)
        else Unit.objects.filter(pk=request.user.unit_id)
    )
    form = TaskFilterForm(request.GET or None, years=selectors.years(), units=units)
    data = form.cleaned_data if form.is_valid() else {}
    return form, data, selectors.ledger(user_tasks, data, timezone.localdate())


@role_required()
@require_safe
def task_list(request):
    form, data, tasks = _ledger(request)
    page = Paginator(tasks, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duties/task_list.html",
        {
            "form": form,
            "page": page,
            "tasks": page.object_list,
            "today": timezone.localdate(),
            "can_manage": perms.can_manage_tasks(request.user),
        },
    )


@role_required()
@require_safe
def task_export(request):
    form, data, tasks = _ledger(request)
    today = timezone.localdate()
    content = ledger_xlsx(tasks, today, unit=data.get("unit"))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"督办台账-{today:%Y%m%d}.xlsx"
    )
    return response


@role_required(Role.OFFICE)
def task_create(request):
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.create_task(
                source=Task.Source.OFFICE, by=request.user, **form.cleaned_data
            )
        except services.DutiesError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "督办事项已交办。")
            return redirect(task)
    return render(request, "duties/task_form.html", {"form": form})


@role_required()
@require_safe
def task_detail(request, pk):
    task = perms.get_task_for_user(request.user, pk)
    user = request.user
    part = perms.part_for(user, task)
    manage = perms.can_manage_tasks(user)
    today = timezone.localdate()
    open_ = not task.is_closed
    return render(
        request,
        "duties/task_detail.html",
        {
            "task": task,
            "light": task.light_on(today),
            "parts": task.units.select_related("unit", "done_by"),
            "feedback": task.feedback.select_related("unit", "by").prefetch_related("files"),
            "extensions": task.extensions.select_related("unit", "requested_by", "decided_by"),
            "escalations": task.escalations.select_related("unit").order_by("date", "pk"),
            "part": part,
            "feedback_form": FeedbackForm(initial={"date": today}) if part and open_ else None,
            "extension_form": ExtensionForm() if part and open_ else None,
            "can_finish_part": part and open_ and not part.done_at,
            "can_complete": part and open_ and part.role == TaskUnit.Role.LEAD,
            "close_form": CloseTaskForm() if manage and open_ else None,
            "escalation_form": EscalationForm(task=task, initial={"date": today})
            if manage and open_
            else None,
            "decide_form": DecideExtensionForm() if manage and open_ else None,
        },
    )


@role_required(Role.LIAISON)
@require_POST
def task_feedback(request, pk):
    task = perms.get_task_for_user(request.user, pk)
    form = FeedbackForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(task)
    try:
        services.add_feedback(task, by=request.user, **form.cleaned_data)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "进展反馈已提交。")
    return redirect(task)


@role_required(Role.LIAISON)
@require_POST
def task_part_done(request, pk):
    task = perms.get_task_for_user(request.user, pk)
    try:
        services.mark_part_done(task, by=request.user)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已确认本单位完成。")
    return redirect(task)


@role_required(Role.LIAISON)
@require_POST
def task_complete(request, pk):
    task = perms.get_task_for_user(request.user, pk)
    try:
        services.complete_task(task, by=request.user)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "事项已办结。")
    return redirect(task)


@role_required(Role.LIAISON)
@require_POST
def task_extension(request, pk):
    task = perms.get_task_for_user(request.user, pk)
    form = ExtensionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(task)
    try:
        services.request_extension(task, by=request.user, **form.cleaned_data)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "延期申请已提交，等待办公室审批。")
    return redirect(task)


@role_required(Role.OFFICE)
@require_POST
def task_close(request, pk):
    task = perms.get_task_for_user(request.user, pk)
    form = CloseTaskForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(task)
    try:
        services.close_task(task, by=request.user, **form.cleaned_data)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "事项已销号。")
    return redirect(task)


@role_required(Role.OFFICE)
@require_POST
def task_escalate(request, pk):
    task = perms.get_task_for_user(request.user, pk)
    form = EscalationForm(request.POST, task=task)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(task)
    try:
        escalation = services.escalate(task, by=request.user, **form.cleaned_data)
    except services.DutiesError as e:
        messages.error(request, str(e))
        return redirect(task)
    messages.success(request, f"已登记{escalation.get_level_display()} {escalation.number_label}。")
    return redirect(escalation)


@role_required(Role.OFFICE)
@require_POST
def extension_decide(request, pk):
    extension = perms.get_extension_for_office(request.user, pk)
    form = DecideExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择同意或不同意。")
        return redirect(extension.task)
    try:
        services.decide_extension(
            extension,
            by=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "延期申请已审批。")
    return redirect(extension.task)


@role_required()
@require_safe
def feedback_file(request, pk, file_pk):
    attachment = perms.get_feedback_file_for_user(request.user, pk, file_pk)
    return serve_stored_file(request, attachment)


# --- escalations --------------------------------------------------------------------------------


@role_required()
@require_safe
def escalation_list(request):
    escalations = perms.escalations_for_user(request.user).select_related("task__lead_unit")
    page = Paginator(escalations, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duties/escalation_list.html",
        {"page": page, "escalations": page.object_list},
    )


@role_required()
@require_safe
def escalation_detail(request, pk):
    escalation = perms.get_escalation_for_user(request.user, pk)
    today = timezone.localdate()
    overdue = (
        Task.objects.with_light(today)
        .filter(units__unit=escalation.unit, light=Light.RED)
        .select_related("lead_unit")
        .distinct()
    )
    return render(
        request,
        "duties/escalation_detail.html",
        {
            "escalation": escalation,
            "overdue": overdue,
            "today": today,
            "resolve_form": ResolveForm()
            if perms.can_manage_tasks(request.user) and escalation.is_open
            else None,
        },
    )


@role_required(Role.OFFICE)
@require_POST
def escalation_resolve(request, pk):
    escalation = perms.get_escalation_for_user(request.user, pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写整改结果。")
        return redirect(escalation)
    try:
        services.resolve_escalation(escalation, by=request.user, **form.cleaned_data)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "督办已解除。")
    return redirect(escalation)


@role_required(Role.OFFICE)
@require_POST
def task_chase(request, pk):
    """催办: the office reminds the chosen units (or every unit not finished) of the task."""
    task = perms.get_task_for_user(request.user, pk)
    if task.is_closed:
        messages.error(request, f"该事项{task.get_status_display()}，不需要催办。")
        return redirect(task)
    parts = list(task.units.select_related("unit"))
    chosen = set(request.POST.getlist("units"))
    try:
        rows = notifications.chase(
            task,
            kind="task",
            by=request.user,
            units=[p.unit for p in parts if str(p.unit_id) in chosen],
            late_units=[p.unit for p in parts if p.done_at is None],
            all_late=request.POST.get("late") == "1",
            text=request.POST.get("text", ""),
            title=task.title,
            url=task.get_absolute_url(),
        )
    except notifications.ChaseError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"已向{'、'.join(r.unit.name for r in rows)}发送催办。")
    return redirect(task)
