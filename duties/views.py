from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from members import notifications
from members.files import content_disposition, serve_stored_file
from members.forms import form_errors
from members.idempotency import once
from members.models import Liaison, Seat, Tenure, Unit
from members.permissions import Role, role_required
from members.xlsx import XLSX

from . import assessment, selectors, services
from . import permissions as perms
from . import statistics as stats_
from .exports import assessment_xlsx, ledger_xlsx, statistics_xlsx
from .figures import format_figure
from .forms import (
    CloseTaskForm,
    CommentForm,
    ConfirmPoliciesForm,
    DecideExtensionForm,
    DutySearchForm,
    EscalationForm,
    ExtensionForm,
    FeedbackForm,
    ImportForm,
    IndicatorForm,
    ManualScoreForm,
    PolicyFilterForm,
    PolicyForm,
    PolicyReviewForm,
    ReportForm,
    ResolveForm,
    ReturnReportForm,
    RoundForm,
    SchemeForm,
    SchemeItemsForm,
    StatisticsForm,
    TaskFilterForm,
    TaskForm,
    VetoForm,
)
from .models import (
    Duty,
    Indicator,
    Light,
    Policy,
    PolicyReview,
    Report,
    ReportRound,
    Scheme,
    Task,
)
from .report_xlsx import template_xlsx


@role_required()
@require_safe
def catalogue(request):
    form = DutySearchForm(request.GET or None)
    current = Policy.objects.filter(status=Policy.Status.CURRENT)
    duties = Duty.objects.prefetch_related(
        "units", Prefetch("policies", queryset=current, to_attr="current_policies")
    )
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
            "policies": unit.policies.prefetch_related("duties"),
            "can_edit_policies": perms.can_edit_policies_of(request.user, unit.pk),
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
@once
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
    actions, blocked = perms.task_offer(user, task)
    today = timezone.localdate()
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
            "actions": actions,
            "blocked": blocked,
            "feedback_form": FeedbackForm(initial={"date": today})
            if "feedback" in actions
            else None,
            "extension_form": ExtensionForm() if "extension" in actions else None,
            "close_form": CloseTaskForm() if "close" in actions else None,
            "escalation_form": EscalationForm(task=task, initial={"date": today})
            if "escalate" in actions
            else None,
            "decide_form": DecideExtensionForm() if "decide-extension" in actions else None,
        },
    )


@role_required(Role.LIAISON)
@require_POST
@once
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
@once
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
@once
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
@once
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


# --- 救助信息报送 ---------------------------------------------------------------------------------


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(filename)
    return response


@role_required()
@require_safe
def round_list(request):
    user = request.user
    rounds = (
        perms.rounds_for_user(user)
        .annotate(
            asked=Count("reports", distinct=True),
            sent=Count("reports", filter=Q(reports__status__in=Report.COUNTED), distinct=True),
        )
        .order_by("-year", "-deadline", "-pk")
    )
    own = None
    if not perms.sees_everything(user) and user.unit_id:
        own = {r.round_id: r for r in Report.objects.filter(unit_id=user.unit_id, round__in=rounds)}
    page = Paginator(rounds, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, own.get(r.pk) if own is not None else None) for r in page.object_list]
    return render(
        request,
        "duties/round_list.html",
        {
            "page": page,
            "rows": rows,
            "today": timezone.localdate(),
            "can_manage": perms.can_manage_reports(user),
            "see_all": perms.sees_everything(user),
        },
    )


@role_required(Role.OFFICE)
@once
def indicator_list(request):
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_indicator(by=request.user, **form.cleaned_data)
        except services.DutiesError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "指标已添加。")
            return redirect("duties:indicator-list")
    return render(
        request,
        "duties/indicator_list.html",
        {"form": form, "indicators": Indicator.objects.all()},
    )


@role_required(Role.OFFICE)
@once
def round_create(request):
    today = timezone.localdate()
    initial = {
        "period": ReportRound.Period.QUARTER,
        "year": today.year,
        "number": (today.month - 1) // 3 + 1,
        "units": Unit.objects.filter(active=True).exclude(kind=Unit.Kind.GOVERNMENT),
        "indicators": Indicator.objects.filter(active=True),
    }
    form = RoundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.open_round(by=request.user, **form.cleaned_data)
        except services.DutiesError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, f"已发起{round_.title}信息报送。")
            return redirect(round_)
    return render(request, "duties/round_form.html", {"form": form})


@role_required()
@require_safe
def round_detail(request, pk):
    round_ = perms.get_round_for_user(request.user, pk)
    reports = perms.reports_for_user(request.user).filter(round=round_).order_by("unit__order")
    today = timezone.localdate()
    rows = [(r, r.light_on(today)) for r in reports]
    return render(
        request,
        "duties/round_detail.html",
        {
            "round": round_,
            "rows": rows,
            "today": today,
            "late": [r for r, light in rows if light == Light.RED],
            "can_manage": perms.can_manage_reports(request.user),
            "can_see_statistics": perms.can_see_statistics(request.user),
            "steps": round_.steps.select_related("by"),
        },
    )


@role_required(Role.OFFICE)
@require_POST
def round_close(request, pk):
    round_ = perms.get_round_for_user(request.user, pk)
    try:
        services.close_round(round_, by=request.user)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "报送已截止。")
    return redirect(round_)


@role_required(Role.OFFICE)
@require_POST
def round_publish(request, pk):
    round_ = perms.get_round_for_user(request.user, pk)
    try:
        services.publish_round(round_, by=request.user)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "统计情况已发布。")
    return redirect(round_)


@role_required(Role.OFFICE, Role.LEADER)
@require_safe
def round_statistics(request, pk):
    round_ = perms.get_round_for_user(request.user, pk)
    header, rows = stats_.statistics_rows(round_)
    units, stats = stats_.round_statistics(round_)
    form = StatisticsForm(request.GET or None)
    indicator = form.cleaned_data["indicator"] if form.is_valid() else None
    if indicator is None and stats:
        indicator = stats[0].indicator
    chart = None
    if indicator is not None:
        points = stats_.series(indicator, round_.period)
        chart = stats_.series_chart(points, lambda v: format_figure(indicator, v))
    return render(
        request,
        "duties/round_statistics.html",
        {
            "round": round_,
            "header": header,
            "rows": rows,
            "stats": stats,
            "form": form,
            "indicator": indicator,
            "chart": chart,
        },
    )


@role_required(Role.OFFICE, Role.LEADER)
@require_safe
def round_statistics_export(request, pk):
    round_ = perms.get_round_for_user(request.user, pk)
    return _xlsx_response(statistics_xlsx(round_), f"{round_.title}信息报送统计.xlsx")


@role_required()
@require_safe
def publication_list(request):
    rounds = ReportRound.objects.filter(status=ReportRound.Status.PUBLISHED).order_by(
        "-published_at"
    )
    page = Paginator(rounds, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "duties/publication_list.html", {"page": page, "rounds": page.object_list}
    )


@role_required()
@require_safe
def round_pdf(request, pk):
    """A published 统计情况 is public to every signed-in user (对外发布)."""
    round_ = get_object_or_404(ReportRound, pk=pk, status=ReportRound.Status.PUBLISHED)
    return serve_stored_file(request, round_.published_pdf, inline=True)


@role_required()
@once
def report_detail(request, pk):
    report = perms.get_report_for_user(request.user, pk)
    user = request.user
    lines = list(report.lines.select_related("indicator"))
    can_fill = (
        perms.can_fill_report(user, report)
        and report.is_editable
        and report.round.status == ReportRound.Status.OPEN
    )
    form = None
    if can_fill:
        form = ReportForm(
            request.POST or None,
            request.FILES or None,
            lines=lines,
            initial={"note": report.note},
        )
        if request.method == "POST":
            submit = request.POST.get("action") == "submit"
            if form.is_valid():
                data = form.cleaned_data
                try:
                    if submit:
                        services.submit_report(
                            report,
                            by=user,
                            values=form.figures(),
                            note=data["note"],
                            files=data["files"],
                        )
                    else:
                        services.save_report(
                            report,
                            by=user,
                            values=form.figures(),
                            note=data["note"],
                            files=data["files"],
                        )
                except services.DutiesError as e:
                    form.add_error(None, str(e))
                else:
                    messages.success(
                        request, "已报送，等待办公室审核。" if submit else "草稿已保存。"
                    )
                    return redirect(report)
    elif request.method == "POST":
        if not perms.can_fill_report(user, report):
            raise PermissionDenied("只有本单位的联络员可以填报本单位的数据。")
        messages.error(request, "本单位的报送现在不能修改。")
        return redirect(report)
    manage = perms.can_manage_reports(user) and report.status == Report.Status.SUBMITTED
    return render(
        request,
        "duties/report_detail.html",
        {
            "report": report,
            "round": report.round,
            "lines": [(line, format_figure(line.indicator, line.value)) for line in lines],
            "form": form,
            "import_form": ImportForm() if can_fill else None,
            "return_form": ReturnReportForm() if manage else None,
            "can_accept": manage,
            "light": report.light_on(timezone.localdate()),
            "files": report.files.all(),
            "steps": report.steps.select_related("by"),
        },
    )


@role_required()
@require_safe
def report_template(request, pk):
    report = perms.get_report_for_user(request.user, pk)
    return _xlsx_response(
        template_xlsx(report), f"{report.round.title}信息报送-{report.unit.short_name}.xlsx"
    )


@role_required(Role.LIAISON)
@require_POST
@once
def report_import(request, pk):
    report = perms.get_report_for_user(request.user, pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(report)
    try:
        services.import_report_xlsx(report, by=request.user, upload=form.cleaned_data["upload"])
    except services.FigureErrors as e:
        messages.error(request, "Excel 文件有错误，没有导入任何数据：")
        for error in e.errors[:50]:
            messages.error(request, error)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已从 Excel 导入数据（草稿），请核对后报送。")
    return redirect(report)


@role_required(Role.OFFICE)
@require_POST
def report_accept(request, pk):
    report = perms.get_report_for_user(request.user, pk)
    try:
        services.accept_report(report, by=request.user)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"已采用{report.unit.short_name}的报送。")
    return redirect(report.round)


@role_required(Role.OFFICE)
@require_POST
def report_return(request, pk):
    report = perms.get_report_for_user(request.user, pk)
    form = ReturnReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(report)
    try:
        services.return_report(report, by=request.user, **form.cleaned_data)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"已退回{report.unit.short_name}修改。")
    return redirect(report.round)


@role_required()
@require_safe
def report_file(request, pk, file_pk):
    attachment = perms.get_report_file_for_user(request.user, pk, file_pk)
    return serve_stored_file(request, attachment)


# --- 政策清单 -------------------------------------------------------------------------------------


@role_required()
@require_safe
def policy_list(request):
    form = PolicyFilterForm(request.GET or None)
    policies = Policy.objects.select_related("unit", "revised_by").prefetch_related("duties")
    if form.is_valid():
        data = form.cleaned_data
        if data["unit"]:
            policies = policies.filter(unit=data["unit"])
        if data["category"]:
            policies = policies.filter(category=data["category"])
        if data["status"]:
            policies = policies.filter(status=data["status"])
        if q := data["q"].strip():
            policies = policies.filter(Q(title__contains=q) | Q(doc_number__contains=q))
    page = Paginator(policies, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    return render(
        request,
        "duties/policy_list.html",
        {
            "form": form,
            "page": page,
            "policies": page.object_list,
            "can_add": perms.is_office(user)
            or (perms.has_role(user, Role.LIAISON) and user.unit_id),
            "reviews": PolicyReview.objects.all()[:3],
        },
    )


def _policy_data(cleaned) -> services.PolicyData:
    fields = {k: v for k, v in cleaned.items() if k != "files"}
    fields["duties"] = list(fields["duties"])
    return services.PolicyData(**fields)


@role_required(Role.OFFICE, Role.LIAISON)
@once
def policy_create(request):
    user = request.user
    if perms.is_office(user):
        unit = get_object_or_404(Unit, pk=request.GET.get("unit") or user.unit_id)
    else:
        unit = user.unit
    if unit is None:
        raise PermissionDenied("您的账号没有所属单位。")
    form = PolicyForm(request.POST or None, request.FILES or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.create_policy(
                by=user,
                unit=unit,
                data=_policy_data(form.cleaned_data),
                files=form.cleaned_data["files"],
            )
        except services.DutiesError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "政策文件已登记。")
            return redirect(policy)
    return render(request, "duties/policy_form.html", {"form": form, "unit": unit, "policy": None})


@role_required()
@require_safe
def policy_detail(request, pk):
    policy = perms.get_policy_for_user(request.user, pk)
    return render(
        request,
        "duties/policy_detail.html",
        {
            "policy": policy,
            "duties": policy.duties.all(),
            "files": policy.files.all(),
            "revises": policy.revises.all(),
            "can_edit": perms.can_edit_policies_of(request.user, policy.unit_id),
        },
    )


@role_required(Role.OFFICE, Role.LIAISON)
def policy_edit(request, pk):
    policy = perms.get_policy_for_user(request.user, pk, write=True)
    initial = {
        **{f: getattr(policy, f) for f in ("title", "doc_number", "issuer", "issued_on")},
        **{f: getattr(policy, f) for f in ("effective_from", "effective_until", "status")},
        "revised_by": policy.revised_by_id,
        "category": policy.category,
        "duties": list(policy.duties.all()),
        "summary": policy.summary,
    }
    form = PolicyForm(
        request.POST or None,
        request.FILES or None,
        unit=policy.unit,
        policy=policy,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_policy(
                policy,
                by=request.user,
                data=_policy_data(form.cleaned_data),
                files=form.cleaned_data["files"],
            )
        except services.DutiesError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "政策文件已更新。")
            return redirect(policy)
    return render(
        request, "duties/policy_form.html", {"form": form, "unit": policy.unit, "policy": policy}
    )


@role_required()
@require_safe
def policy_file(request, pk, file_pk):
    return serve_stored_file(request, perms.get_policy_file(request.user, pk, file_pk))


@role_required()
@once
def policy_review_list(request):
    form = PolicyReviewForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if not perms.can_manage_policy_reviews(request.user):
            raise PermissionDenied("只有办公室可以发起政策清单梳理。")
        if form.is_valid():
            try:
                review = services.open_policy_review(by=request.user, **form.cleaned_data)
            except services.DutiesError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, f"已发起{review}。")
                return redirect(review)
    reviews = PolicyReview.objects.annotate(
        asked=Count("confirmations"),
        confirmed=Count("confirmations", filter=Q(confirmations__confirmed_at__isnull=False)),
    ).order_by("-year")
    return render(
        request,
        "duties/policy_review_list.html",
        {
            "reviews": reviews,
            "form": form if perms.can_manage_policy_reviews(request.user) else None,
        },
    )


@role_required()
@require_safe
def policy_review_detail(request, pk):
    review = get_object_or_404(PolicyReview, pk=pk)
    confirmations = review.confirmations.select_related("unit", "confirmed_by")
    user = request.user
    if not perms.sees_everything(user):
        confirmations = confirmations.filter(unit_id=user.unit_id)
    confirmations = list(confirmations)
    own = next((c for c in confirmations if c.unit_id == user.unit_id), None)
    return render(
        request,
        "duties/policy_review_detail.html",
        {
            "review": review,
            "confirmations": confirmations,
            "waiting": [c for c in confirmations if c.confirmed_at is None],
            "own": own,
            "confirm_form": ConfirmPoliciesForm()
            if own and own.confirmed_at is None and perms.can_confirm_policies(user, own)
            else None,
            "today": timezone.localdate(),
        },
    )


@role_required(Role.LIAISON)
@require_POST
@once
def policy_review_confirm(request, pk):
    review = get_object_or_404(PolicyReview, pk=pk)
    form = ConfirmPoliciesForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(review)
    try:
        services.confirm_policy_list(review, by=request.user, **form.cleaned_data)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已确认本单位政策清单完整、现行。")
    return redirect(review)


# --- 年度考评 -------------------------------------------------------------------------------------


@role_required()
@require_safe
def scheme_list(request):
    user = request.user
    schemes = Scheme.objects.all()
    if not perms.can_see_ranking(user):
        schemes = schemes.filter(status=Scheme.Status.PUBLISHED)
    return render(
        request,
        "duties/scheme_list.html",
        {
            "schemes": schemes,
            "can_manage": perms.can_manage_assessment(user),
            "ranking": perms.can_see_ranking(user),
            "form": SchemeForm(initial={"year": timezone.localdate().year}),
        },
    )


@role_required(Role.OFFICE)
@once
def scheme_create(request):
    form = SchemeForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            scheme = services.create_scheme(by=request.user, **form.cleaned_data)
        except services.DutiesError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, f"已起草{scheme}方案。")
            return redirect(scheme)
    return render(request, "duties/scheme_form.html", {"form": form})


@role_required()
@require_safe
def scheme_detail(request, pk):
    user = request.user
    scheme = perms.get_scheme_for_user(user, pk)
    if not perms.can_see_ranking(user):
        if not user.unit_id:
            raise Http404("考评结果不存在。")
        return redirect("duties:scheme-unit", scheme.pk, user.unit_id)
    rows = assessment.results(scheme)
    draft = scheme.status == Scheme.Status.DRAFT
    manage = perms.can_manage_assessment(user)
    manual_items = [i for i in scheme.items.all() if i.is_manual]
    return render(
        request,
        "duties/scheme_detail.html",
        {
            "scheme": scheme,
            "rows": rows,
            "items": scheme.items.all(),
            "sources": assessment.SOURCES,
            "can_edit": manage and draft,
            "can_submit": manage and draft,
            "can_publish": manage and scheme.status == Scheme.Status.APPROVED,
            "can_approve": perms.can_approve_assessment(user)
            and scheme.status == Scheme.Status.SUBMITTED,
            "manual_items": manual_items,
            "score_form": ManualScoreForm() if manage and draft and manual_items else None,
            "veto_form": VetoForm() if manage and draft else None,
            "comment_form": CommentForm(),
            "vetoes": scheme.vetoes.select_related("unit", "by").prefetch_related("files"),
            "steps": scheme.steps.select_related("by"),
        },
    )


@role_required(Role.OFFICE)
def scheme_items(request, pk):
    scheme = perms.get_scheme_for_user(request.user, pk)
    items = list(scheme.items.all())
    initial = {
        "excellent_from": scheme.excellent_from,
        "good_from": scheme.good_from,
        "pass_from": scheme.pass_from,
    }
    form = SchemeItemsForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_scheme_items(
                scheme,
                by=request.user,
                weights=form.weights(),
                thresholds=(data["excellent_from"], data["good_from"], data["pass_from"]),
            )
        except services.DutiesError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "考评方案已保存。")
            return redirect(scheme)
    return render(request, "duties/scheme_items.html", {"scheme": scheme, "form": form})


@role_required(Role.OFFICE)
@require_POST
def scheme_score(request, pk):
    scheme = perms.get_scheme_for_user(request.user, pk)
    form = ManualScoreForm(request.POST)
    item = scheme.items.filter(pk=request.POST.get("item") or 0).first()
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(scheme)
    try:
        services.score_manually(scheme, by=request.user, item=item, **form.cleaned_data)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "评分已保存。")
    return redirect(scheme)


@role_required(Role.OFFICE)
@require_POST
@once
def scheme_veto(request, pk):
    scheme = perms.get_scheme_for_user(request.user, pk)
    form = VetoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(scheme)
    try:
        services.veto_unit(scheme, by=request.user, **form.cleaned_data)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已登记一票否决。")
    return redirect(scheme)


@role_required(Role.OFFICE)
@require_POST
def scheme_submit(request, pk):
    scheme = perms.get_scheme_for_user(request.user, pk)
    try:
        services.submit_scheme(scheme, by=request.user)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已提交领导审定，结果已固定。")
    return redirect(scheme)


@role_required(Role.LEADER)
@require_POST
def scheme_return(request, pk):
    scheme = perms.get_scheme_for_user(request.user, pk)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.return_scheme(scheme, by=request.user, comment=comment)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已退回办公室修改。")
    return redirect(scheme)


@role_required(Role.LEADER)
@require_POST
def scheme_approve(request, pk):
    scheme = perms.get_scheme_for_user(request.user, pk)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.approve_scheme(scheme, by=request.user, comment=comment)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "考评结果已审定。")
    return redirect(scheme)


@role_required(Role.OFFICE)
@require_POST
def scheme_publish(request, pk):
    scheme = perms.get_scheme_for_user(request.user, pk)
    try:
        services.publish_scheme(scheme, by=request.user)
    except services.DutiesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "考评结果已公布。")
    return redirect(scheme)


@role_required()
@require_safe
def scheme_unit(request, pk, unit_pk):
    scheme = perms.get_unit_result_scheme(request.user, pk, unit_pk)
    row = assessment.find(assessment.results(scheme), unit_pk)
    if row is None:
        raise Http404("该单位不在考评范围内。")
    return render(
        request,
        "duties/scheme_unit.html",
        {"scheme": scheme, "row": row, "ranking": perms.can_see_ranking(request.user)},
    )


@role_required(Role.OFFICE, Role.LEADER)
@require_safe
def scheme_export(request, pk):
    scheme = perms.get_scheme_for_user(request.user, pk)
    return _xlsx_response(assessment_xlsx(scheme, assessment.results(scheme)), f"{scheme}结果.xlsx")


@role_required(Role.OFFICE, Role.LEADER)
@require_safe
def scheme_pdf(request, pk):
    scheme = get_object_or_404(Scheme, pk=pk, status=Scheme.Status.PUBLISHED)
    return serve_stored_file(request, scheme.published_pdf, inline=True)


@role_required(Role.OFFICE, Role.LEADER)
@require_safe
def veto_file(request, pk, file_pk):
    return serve_stored_file(request, perms.get_veto_file_for_user(request.user, pk, file_pk))


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
