"""Thin views: fetch through permissions, call one service, turn its error into a message."""

from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from members import notifications
from members.files import content_disposition, serve_stored_file
from members.forms import form_errors
from members.idempotency import once
from members.permissions import Role, role_required, roles_of
from members.selectors import count_of
from members.xlsx import XLSX, workbook

from . import permissions as perms
from . import services
from .forms import (
    AgendaItemForm,
    AttendanceRowForm,
    CommentForm,
    DecisionFormSet,
    IssueConfirmForm,
    MeetingForm,
    MinutesForm,
    ObserverForm,
    OpinionForm,
    ReplyForm,
    ReviewForm,
    ScheduleForm,
    VerifyDigestForm,
    VerifyFileForm,
)
from .models import AgendaItem, Attendance, Distribution, Meeting, Minutes, Reply

# --- agenda items -------------------------------------------------------------------------------


def refused(form, error: services.MeetingsError):
    """Show a refusal on the form; for a name or address that matches a case, offer the office
    the per-hit confirmation that it is not that person."""
    form.add_error(None, str(error))
    if isinstance(error, services.PersonalDataError) and error.hits:
        form.offer_confirmations(error.hits)


@role_required()
@require_safe
def item_list(request):
    items = perms.items_for_user(request.user)
    status = request.GET.get("status", "")
    if status in AgendaItem.Status.values:
        items = items.filter(status=status)
    page = Paginator(items, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/item_list.html",
        {
            "page": page,
            "items": page.object_list,
            "status": status,
            "statuses": AgendaItem.Status.choices,
            "can_submit": perms.can_submit_item(request.user),
        },
    )


@role_required(Role.LIAISON)
@once
def item_create(request):
    if not perms.can_submit_item(request.user):
        raise PermissionDenied("您的账号没有所属单位，不能提交议题。")
    form = AgendaItemForm(request.POST or None, request.FILES or None, unit=request.user.unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.submit_item(
                by=request.user,
                title=data["title"],
                background=data["background"],
                proposal=data["proposal"],
                duty=data["duty"],
                files=data["materials"],
                confirmed=form.confirmed(),
            )
        except services.MeetingsError as e:
            refused(form, e)
        else:
            messages.success(request, "议题已提交，等待办公室审核。")
            return redirect(item)
    return render(request, "meetings/item_form.html", {"form": form, "item": None})


@role_required()
@require_safe
def item_detail(request, pk):
    item = perms.get_item_for_user(request.user, pk)
    actions = perms.item_actions(request.user, item)
    return render(
        request,
        "meetings/item_detail.html",
        {
            "item": item,
            "steps": item.steps.select_related("by"),
            "materials": item.materials.all(),
            "actions": actions,
            "review_form": ReviewForm() if "review" in actions else None,
            "schedule_form": ScheduleForm() if "schedule" in actions else None,
        },
    )


@role_required(Role.LIAISON)
@once
def item_edit(request, pk):
    item = perms.get_item_for_user(request.user, pk)
    if not perms.can_edit_item(request.user, item):
        raise PermissionDenied("只有本单位联络员可以修改本单位的议题。")
    initial = {
        "title": item.title,
        "background": item.background,
        "proposal": item.proposal,
        "duty": item.duty,
        "version": item.version,
    }
    form = AgendaItemForm(
        request.POST or None, request.FILES or None, unit=item.unit, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.update_item(
                item,
                by=request.user,
                version=data["version"],
                title=data["title"],
                background=data["background"],
                proposal=data["proposal"],
                duty=data["duty"],
                files=data["materials"],
                remove=request.POST.getlist("remove"),
                confirmed=form.confirmed(),
            )
        except services.MeetingsError as e:
            refused(form, e)
        else:
            messages.success(request, "议题已保存并重新提交。")
            return redirect(item)
    elif request.method == "GET" and (why := perms.item_refusal("edit", item)):
        messages.error(request, why)
        return redirect(item)
    return render(
        request,
        "meetings/item_form.html",
        {"form": form, "item": item, "materials": item.materials.all()},
    )


@role_required(Role.LIAISON)
@require_POST
def item_withdraw(request, pk):
    item = perms.get_item_for_user(request.user, pk)
    try:
        services.withdraw_item(item, by=request.user)
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "议题已撤回。")
    return redirect(item)


@role_required(Role.OFFICE)
@require_POST
def item_review(request, pk):
    item = perms.get_item_for_user(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果。")
        return redirect(item)
    try:
        item = services.review_item(item, by=request.user, **form.cleaned_data)
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"议题{item.get_status_display()}。")
    return redirect(item)


@role_required(Role.OFFICE)
@require_POST
def item_schedule(request, pk):
    item = perms.get_item_for_user(request.user, pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(item)
    try:
        item = services.schedule_item(item, by=request.user, meeting=form.cleaned_data["meeting"])
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"已列入“{item.meeting.title}”议程第{item.order}项。")
    return redirect(item)


@role_required()
@require_safe
def material_download(request, pk, material_pk):
    material = perms.get_material_for_user(request.user, pk, material_pk)
    return serve_stored_file(request, material)


# --- meetings -----------------------------------------------------------------------------------


@role_required()
@require_safe
def meeting_list(request):
    meetings = perms.meetings_for_user(request.user).annotate(
        item_count=count_of(AgendaItem.objects, "meeting")
    )
    page = Paginator(meetings, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "page": page,
            "meetings": page.object_list,
            "can_manage": perms.can_manage_meetings(request.user),
        },
    )


def _meeting_data(form) -> services.MeetingData:
    d = form.cleaned_data
    return services.MeetingData(
        kind=d["kind"],
        title=d["title"],
        starts_at=d["starts_at"],
        place=d["place"],
        convener_seat=d["convener_seat"],
        host_seat=d["host_seat"],
        host_name=d["host_name"],
        host_post=d["host_post"],
        invited_units=list(d["invited_units"]),
        opinion_deadline=d["opinion_deadline"],
        confirmed=form.confirmed(),
        change_reason=d.get("change_reason", ""),
    )


@role_required(Role.OFFICE)
@once
def meeting_create(request):
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(_meeting_data(form), by=request.user)
        except services.MeetingsError as e:
            refused(form, e)
        else:
            messages.success(request, "会议已创建。把已受理的议题列入议程后即可发出通知。")
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": None})


@role_required(Role.OFFICE)
def meeting_edit(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    initial = {
        "kind": meeting.kind,
        "title": meeting.title,
        "starts_at": timezone.localtime(meeting.starts_at),
        "place": meeting.place,
        "convener_seat": meeting.convener_seat,
        "host_seat": meeting.host_seat,
        "host_name": meeting.host_name,
        "host_post": meeting.host_post,
        "invited_units": list(meeting.invited_units.all()),
        "opinion_deadline": meeting.opinion_deadline
        and timezone.localtime(meeting.opinion_deadline),
    }
    form = MeetingForm(request.POST or None, initial=initial, fixed_kind=True)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.update_meeting(meeting, _meeting_data(form), by=request.user)
        except services.MeetingsError as e:
            refused(form, e)
        else:
            messages.success(request, "会议已保存。")
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


@role_required()
@require_safe
def meeting_detail(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    user = request.user
    items = meeting.agenda_items.select_related("unit").order_by("order")
    invited = list(meeting.invited_units.all())
    opinions = {o.unit_id: o for o in meeting.opinions.select_related("by")}
    minutes = getattr(meeting, "minutes", None)
    if minutes and not perms.minutes_for_user(user).filter(pk=minutes.pk).exists():
        minutes = None
    own_opinion = opinions.get(user.unit_id) if user.unit_id else None
    actions, blocked = perms.meeting_offer(user, meeting)
    replies = {} if meeting.is_written else {r.unit_id: r for r in meeting.replies.all()}
    own_reply = replies.get(user.unit_id) if user.unit_id else None
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "items": items,
            "invited": invited,
            "opinion_rows": [(u, opinions.get(u.pk)) for u in invited],
            "answered": len(opinions),
            "attendances": meeting.attendances.all(),
            "minutes": minutes,
            "can_manage": perms.can_manage_meetings(user),
            "actions": actions,
            "blocked": blocked,
            "own_opinion": own_opinion,
            "opinion_form": OpinionForm(
                initial={"choice": own_opinion.choice, "text": own_opinion.text}
                if own_opinion
                else None
            ),
            "now": timezone.now(),
            "reply_rows": [(u, replies.get(u.pk)) for u in invited],
            "reply_chase_rows": [
                SimpleNamespace(unit=u, replied_at=replies[u.pk].at if u.pk in replies else None)
                for u in invited
            ],
            "replied": len(replies),
            "own_reply": own_reply,
            "can_reply": not meeting.is_written
            and meeting.status == Meeting.Status.NOTIFIED
            and timezone.now() < Reply.deadline_of(meeting)
            and perms.can_give_opinion(user, meeting),
            "reply_form": ReplyForm(
                initial={
                    "answer": own_reply.answer,
                    "delegate_name": own_reply.delegate_name,
                    "delegate_post": own_reply.delegate_post,
                    "reason": own_reply.reason,
                }
                if own_reply
                else None
            ),
        },
    )


@role_required(Role.LIAISON)
@require_POST
def meeting_reply(request, pk):
    """会议回执 of the liaison's own unit; it can be changed until the deadline."""
    meeting = perms.get_meeting_for_user(request.user, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(meeting)
    try:
        services.record_reply(meeting, by=request.user, **form.cleaned_data)
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "本单位回执已提交。")
    return redirect(meeting)


@role_required()
@require_safe
def meeting_notice(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    return render(
        request,
        "meetings/meeting_notice.html",
        {
            "meeting": meeting,
            "items": meeting.agenda_items.select_related("unit").order_by("order"),
            "invited": meeting.invited_units.all(),
        },
    )


@role_required(Role.OFFICE)
@require_POST
def meeting_notify(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    try:
        services.notify_meeting(meeting, by=request.user)
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "会议通知已发出。")
    return redirect(meeting)


@role_required(Role.OFFICE)
@require_POST
def meeting_hold(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    try:
        services.hold_meeting(meeting, by=request.user)
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        if meeting.is_written:
            messages.success(request, "书面审议已结束。")
        else:
            messages.success(request, "已标记为召开，出席名单按会议当日的在任人员生成。")
    return redirect(meeting)


@role_required(Role.OFFICE)
@require_POST
def meeting_cancel(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    try:
        services.cancel_meeting(meeting, by=request.user)
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "会议已取消，议题退回待安排。")
    return redirect(meeting)


@role_required(Role.OFFICE)
def meeting_attendance(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    rows = list(meeting.attendances.filter(seat__isnull=False))
    forms = [
        AttendanceRowForm(
            request.POST or None,
            prefix=f"a{row.pk}",
            initial={
                "status": row.status,
                "delegate_name": row.delegate_name,
                "delegate_post": row.delegate_post,
            },
        )
        for row in rows
    ]
    if request.method == "POST":
        if all(f.is_valid() for f in forms):
            data = [
                (
                    row.pk,
                    f.cleaned_data["status"],
                    f.cleaned_data["delegate_name"],
                    f.cleaned_data["delegate_post"],
                )
                for row, f in zip(rows, forms, strict=True)
            ]
            try:
                services.record_attendance(meeting, data, by=request.user)
            except services.MeetingsError as e:
                messages.error(request, str(e))
            else:
                messages.success(request, "出席情况已保存。")
                return redirect(meeting)
        else:
            messages.error(request, "出席情况填写有误，请检查。")
    return render(
        request,
        "meetings/meeting_attendance.html",
        {
            "meeting": meeting,
            "rows": list(zip(rows, forms, strict=True)),
            "observers": meeting.attendances.filter(
                status=Attendance.Status.OBSERVER
            ).select_related("unit"),
            "observer_form": ObserverForm(),
        },
    )


@role_required(Role.OFFICE)
@require_POST
@once
def meeting_observer(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    form = ObserverForm(request.POST)
    if form.is_valid():
        try:
            services.add_observer(meeting, by=request.user, **form.cleaned_data)
        except services.MeetingsError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "列席人员已登记。")
    else:
        messages.error(request, "请填写列席人员的姓名和职务。")
    return redirect("meetings:meeting-attendance", pk=meeting.pk)


@role_required(Role.LIAISON)
@require_POST
@once
def meeting_opinion(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    form = OpinionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择同意、不同意或提出意见。")
        return redirect(meeting)
    try:
        services.record_opinion(meeting, by=request.user, **form.cleaned_data)
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "本单位意见已提交。")
    return redirect(meeting)


@role_required(Role.OFFICE)
@require_POST
@once
def minutes_create(request, pk):
    meeting = perms.get_meeting_for_user(request.user, pk)
    try:
        minutes = services.create_minutes(meeting, by=request.user)
    except services.MeetingsError as e:
        messages.error(request, str(e))
        return redirect(meeting)
    return redirect("meetings:minutes-edit", pk=minutes.pk)


# --- minutes ------------------------------------------------------------------------------------


@role_required()
@require_safe
def minutes_list(request):
    user = request.user
    minutes = perms.minutes_for_user(user).annotate(
        sent=count_of(Distribution.objects, "minutes"),
        acknowledged=count_of(
            Distribution.objects.filter(acknowledged_at__isnull=False), "minutes"
        ),
    )
    page = Paginator(minutes, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    minutes = list(page.object_list)
    own = {}
    if user.unit_id and not perms.sees_everything(user):
        own = {
            d.minutes_id: d
            for d in Distribution.objects.filter(unit_id=user.unit_id, minutes__in=minutes)
        }
    rows = [(m, own.get(m.pk)) for m in minutes]
    return render(request, "meetings/minutes_list.html", {"rows": rows, "page": page})


@role_required()
@require_safe
def minutes_detail(request, pk):
    minutes = perms.get_minutes_for_user(request.user, pk)
    user = request.user
    distribution = perms.distribution_for(user, minutes)
    return render(
        request,
        "meetings/minutes_detail.html",
        {
            "minutes": minutes,
            "meeting": minutes.meeting,
            "decisions": minutes.decisions.select_related("lead_unit", "task").prefetch_related(
                "responsible_units"
            ),
            "steps": minutes.steps.select_related("by"),
            "distributions": minutes.distributions.select_related("unit", "acknowledged_by")
            if perms.sees_everything(user)
            else None,
            "own_distribution": distribution,
            "acknowledged_count": minutes.distributions.filter(
                acknowledged_at__isnull=False
            ).count(),
            "actions": perms.minutes_actions(user, minutes),
            "can_acknowledge": perms.can_acknowledge(user, distribution)
            and not distribution.acknowledged_at,
            "comment_form": CommentForm(),
            "now": timezone.now(),
        },
    )


@role_required(Role.OFFICE)
@once
def minutes_edit(request, pk):
    minutes = perms.get_minutes_for_user(request.user, pk)
    if not minutes.is_editable:
        messages.error(request, f"纪要{minutes.get_status_display()}，不能修改。")
        return redirect(minutes)
    initial_decisions = [
        {
            "text": d.text,
            "lead_unit": d.lead_unit,
            "responsible_units": list(d.responsible_units.all()),
            "deadline": d.deadline,
        }
        for d in minutes.decisions.prefetch_related("responsible_units")
    ]
    members = services.member_units()
    if request.method == "POST":
        form = MinutesForm(request.POST, member_units=members)
        formset = DecisionFormSet(request.POST, prefix="d")
        if form.is_valid() and formset.is_valid():
            decisions = [
                services.DecisionData(
                    text=f.cleaned_data["text"],
                    lead_unit=f.cleaned_data["lead_unit"],
                    responsible_units=list(f.cleaned_data["responsible_units"]),
                    deadline=f.cleaned_data["deadline"],
                )
                for f in formset.forms
                if f.has_changed() and not f.cleaned_data.get("DELETE")
            ]
            try:
                services.save_minutes(
                    minutes,
                    by=request.user,
                    version=form.cleaned_data["version"],
                    summary=form.cleaned_data["summary"],
                    decisions=decisions,
                    confirmed=form.confirmed(),
                    distribution=form.distribution(),
                )
            except services.MeetingsError as e:
                refused(form, e)  # the user's text stays in the form
            else:
                messages.success(request, "纪要草稿已保存。")
                if "submit" in request.POST:
                    return minutes_submit(request, pk)
                return redirect("meetings:minutes-edit", pk=minutes.pk)
    else:
        narrowed = list(minutes.narrowed_units.all())
        form = MinutesForm(
            initial={
                "summary": minutes.summary,
                "version": minutes.version,
                "distribute": "part" if narrowed else "all",
                "narrowed_units": narrowed,
                "narrow_reason": minutes.narrow_reason,
                "copy_extra": minutes.copy_extra,
            },
            member_units=members,
        )
        formset = DecisionFormSet(initial=initial_decisions, prefix="d")
    return render(
        request,
        "meetings/minutes_form.html",
        {"minutes": minutes, "meeting": minutes.meeting, "form": form, "formset": formset},
    )


@role_required(Role.OFFICE)
@require_POST
def minutes_submit(request, pk):
    minutes = perms.get_minutes_for_user(request.user, pk)
    try:
        services.submit_minutes(minutes, by=request.user)
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "纪要已提交组长、副组长审签。")
    return redirect("meetings:minutes-detail", pk=minutes.pk)


@role_required(Role.LEADER)
def minutes_approve(request, pk):
    """审签: GET shows the confirmation page with the 审签稿 (the exact PDF issuance would
    produce); only its POST, which carries the confirmation, approves."""
    minutes = perms.get_minutes_for_user(request.user, pk)
    if "approve" not in perms.minutes_actions(request.user, minutes):
        messages.error(request, "只有待审签的纪要才能审签。")
        return redirect("meetings:minutes-detail", pk=minutes.pk)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, "请先阅读审签稿，再确认同意印发。")
            return redirect("meetings:minutes-approve", pk=minutes.pk)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return redirect("meetings:minutes-approve", pk=minutes.pk)
        try:
            services.approve_minutes(minutes, by=request.user, comment=form.cleaned_data["comment"])
        except services.MeetingsError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "纪要已审签，可以印发。")
        return redirect("meetings:minutes-detail", pk=minutes.pk)
    return render(
        request,
        "meetings/minutes_approve_confirm.html",
        {
            "minutes": minutes,
            "meeting": minutes.meeting,
            "form": form,
            "plan": services.planned_distribution(minutes),
        },
    )


@role_required(Role.LEADER)
@require_POST
def minutes_return(request, pk):
    minutes = perms.get_minutes_for_user(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("meetings:minutes-detail", pk=minutes.pk)
    try:
        services.return_minutes(minutes, by=request.user, comment=form.cleaned_data["comment"])
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "纪要已退回办公室修改。")
    return redirect("meetings:minutes-detail", pk=minutes.pk)


@role_required(Role.OFFICE)
@require_POST
def minutes_withdraw(request, pk):
    minutes = perms.get_minutes_for_user(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("meetings:minutes-detail", pk=minutes.pk)
    try:
        services.withdraw_approval(minutes, by=request.user, reason=form.cleaned_data["comment"])
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已撤回审签，纪要回到草稿，修改后请重新提交审签。")
    return redirect("meetings:minutes-detail", pk=minutes.pk)


@role_required(Role.OFFICE)
@require_POST
@once
def minutes_issue(request, pk):
    """印发. When the last check finds names that match a case, the page lists each hit and the
    office confirms, per hit, that it is not that person (印发前确认), then issues again."""
    minutes = perms.get_minutes_for_user(request.user, pk)
    form = IssueConfirmForm(request.POST)
    form.is_valid()  # nothing required: the confirmations are optional choices
    try:
        services.issue_minutes(minutes, by=request.user, confirmed=form.confirmed())
    except services.PersonalDataError as e:
        if not e.hits:  # numbers: refused outright
            messages.error(request, str(e))
            return redirect("meetings:minutes-detail", pk=minutes.pk)
        form = IssueConfirmForm()
        form.offer_confirmations(e.hits)
        return render(
            request,
            "meetings/minutes_issue_confirm.html",
            {"minutes": minutes, "meeting": minutes.meeting, "form": form, "error": str(e)},
        )
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "纪要已印发：已编号、生成 PDF，并分送各成员单位。")
    return redirect("meetings:minutes-detail", pk=minutes.pk)


@role_required(Role.LIAISON)
@require_POST
def minutes_acknowledge(request, pk):
    minutes = perms.get_minutes_for_user(request.user, pk)
    try:
        services.acknowledge(minutes, by=request.user)
    except services.MeetingsError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已签收。")
    return redirect("meetings:minutes-detail", pk=minutes.pk)


@role_required()
@require_safe
def minutes_pdf(request, pk):
    """下载: the issued PDF as an attachment; each download counts for the user's unit."""
    return _issued_pdf(request, pk, inline=False)


@role_required()
@require_safe
def minutes_pdf_view(request, pk):
    """查看: the same file, opened in the browser; counted like a download (the unit has it)."""
    return _issued_pdf(request, pk, inline=True)


def _issued_pdf(request, pk, *, inline):
    minutes = perms.get_issued_minutes_for_user(request.user, pk)
    return serve_stored_file(
        request,
        minutes.issued_pdf,
        inline=inline,
        log=lambda: services.record_download(minutes, by=request.user),
    )


@role_required()
@require_safe
def minutes_ofd(request, pk):
    """The OFD copy: the same people as the PDF, counted as a download of the minutes."""
    minutes = perms.get_issued_minutes_for_user(request.user, pk)
    if not minutes.ofd:
        raise Http404("这期纪要没有 OFD 副本。")
    return serve_stored_file(
        request,
        minutes.issued_ofd,
        log=lambda: services.record_download(minutes, by=request.user),
    )


@role_required(Role.OFFICE, Role.LEADER)
@require_safe
def minutes_preview(request, pk):
    """审签稿: rendered now, exactly as issuance would render it but for the number, the date and
    the mark; opened inline. Nothing is stored: it is a reading copy, never sent."""
    from .pdf import render_preview_pdf

    minutes = perms.get_minutes_for_user(request.user, pk)
    if not perms.can_preview_minutes(request.user, minutes):
        raise Http404("纪要已印发，请查看印发的 PDF。")
    response = HttpResponse(render_preview_pdf(minutes), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(
        f"{minutes.meeting.title}纪要（审签稿）.pdf", inline=True
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.OFFICE, Role.LEADER)
@require_safe
def minutes_export(request):
    """The year's minutes index (纪要目录) as Excel."""
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    minutes = (
        Minutes.objects.filter(status=Minutes.Status.ISSUED, year=year)
        .select_related("meeting")
        .annotate(
            decision_count=Count("decisions", distinct=True),
            sent=Count("distributions", distinct=True),
            acknowledged=Count(
                "distributions",
                filter=Q(distributions__acknowledged_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("number")
    )
    rows = (
        (
            m.number_label,
            timezone.localtime(m.issued_at).date(),
            m.meeting.title,
            m.meeting.get_kind_display(),
            timezone.localtime(m.meeting.starts_at).date(),
            m.decision_count,
            f"{m.acknowledged}/{m.sent}",
        )
        for m in minutes
    )
    content = workbook("纪要目录", MINUTES_COLUMNS, rows)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{year}年会议纪要目录.xlsx")
    return response


MINUTES_COLUMNS = [
    ("期号", 14),
    ("印发日期", 12),
    ("会议", 40),
    ("会议类型", 10),
    ("会议日期", 12),
    ("议定事项数", 10),
    ("签收/分送", 10),
]


@role_required(Role.OFFICE)
@require_POST
def minutes_chase(request, pk):
    """催签: the office reminds the chosen units (or every unit not yet acknowledged)."""
    minutes = perms.get_minutes_for_user(request.user, pk)
    if minutes.status != Minutes.Status.ISSUED:
        messages.error(request, "纪要印发后才能催签。")
        return redirect(minutes)
    rows = list(minutes.distributions.select_related("unit"))
    chosen = set(request.POST.getlist("units"))
    try:
        sent = notifications.chase(
            minutes,
            kind="minutes",
            by=request.user,
            units=[d.unit for d in rows if str(d.unit_id) in chosen],
            late_units=[d.unit for d in rows if d.acknowledged_at is None],
            all_late=request.POST.get("late") == "1",
            text=request.POST.get("text", ""),
            title=f"{minutes.number_label}纪要，请下载并签收",
            url=minutes.get_absolute_url(),
        )
    except notifications.ChaseError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"已向{'、'.join(c.unit.name for c in sent)}发送催签。")
    return redirect(minutes)


# --- 核验 -----------------------------------------------------------------------------------------


@login_not_required  # decided below: open to everyone only where the office switched it on
def minutes_verify(request):
    """核验: is this file (or number + SHA-256) one the office issued, unchanged and signed?

    Reads only: nothing is stored, not even the uploaded file (it stays in the upload handler's
    memory or temporary file and is gone with the request).
    """
    from .verification import verify_digest, verify_file

    if not settings.VERIFY_PUBLIC:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles_of(request.user):
            raise PermissionDenied("您的账号没有访问此页面的权限。")
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    mode = None
    if request.method == "POST":
        mode = "digest" if request.POST.get("mode") == "digest" else "file"
    file_form = VerifyFileForm(
        request.POST if mode == "file" else None, request.FILES if mode == "file" else None
    )
    digest_form = VerifyDigestForm(request.POST if mode == "digest" else None, prefix="digest")
    verdict = None
    if mode == "file" and file_form.is_valid():
        upload = file_form.cleaned_data["file"]
        verdict = verify_file(b"".join(upload.chunks()))
    elif mode == "digest" and digest_form.is_valid():
        year, number = digest_form.cleaned_data["number"]
        verdict = verify_digest(year, number, digest_form.cleaned_data["sha256"])
    return render(
        request,
        "meetings/verify.html",
        {
            "file_form": file_form,
            "digest_form": digest_form,
            "verdict": verdict,
            "mode": mode,
            "public": settings.VERIFY_PUBLIC,
        },
    )


@role_required(Role.OFFICE)
@require_POST
def meeting_chase(request, pk):
    """催回执: the office reminds the chosen units (or every unit not yet answered)."""
    meeting = perms.get_meeting_for_user(request.user, pk)
    if meeting.is_written or meeting.status != Meeting.Status.NOTIFIED:
        messages.error(request, "只有已发通知、尚未召开的会议才能催回执。")
        return redirect(meeting)
    invited = list(meeting.invited_units.all())
    replied = set(meeting.replies.values_list("unit_id", flat=True))
    chosen = set(request.POST.getlist("units"))
    try:
        sent = notifications.chase(
            meeting,
            kind="reply",
            by=request.user,
            units=[u for u in invited if str(u.pk) in chosen],
            late_units=[u for u in invited if u.pk not in replied],
            all_late=request.POST.get("late") == "1",
            text=request.POST.get("text", ""),
            title=f"请填报会议回执：{meeting.title}",
            url=meeting.get_absolute_url(),
        )
    except notifications.ChaseError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"已向{'、'.join(c.unit.name for c in sent)}发送催回执。")
    return redirect(meeting)
