"""Thin views over cases/services.py. Personal data is masked unless the full view is asked for."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from members.files import serve_stored_file
from members.forms import form_errors
from members.idempotency import once
from members.permissions import Role, role_required
from members.selectors import count_of
from members.xlsx import XLSX, workbook

from . import permissions as perms
from . import services
from .forms import (
    AnswerForm,
    CaseForm,
    MeasureFormSet,
    MemberFormSet,
    MemberIdentityForm,
    PersonalDataForm,
    RefuseForm,
    SubmitForm,
    VerificationForm,
)
from .models import Case, Verification


@role_required()
@require_safe
def case_list(request):
    cases = perms.cases_for_user(request.user).annotate(
        outstanding=count_of(Verification.objects.filter(answered_at__isnull=True), "case")
    )
    status = request.GET.get("status", "")
    if status in Case.Status.values:
        cases = cases.filter(status=status)
    page = Paginator(cases, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "cases": page.object_list,
            "status": status,
            "statuses": Case.Status.choices,
            "can_register": perms.can_register(request.user),
            "can_export": perms.can_manage_cases(request.user),
        },
    )


@role_required(Role.OFFICE, Role.LIAISON)
@once
def case_create(request):
    user = request.user
    if not perms.can_register(user):
        raise PermissionDenied("只有办公室和各镇联络员可以登记个案。")
    town = None if perms.can_manage_cases(user) else user.unit
    form = CaseForm(request.POST or None, request.FILES or None, town=town)
    household = MemberFormSet(request.POST or None, prefix="m")
    if request.method == "POST" and form.is_valid() and household.is_valid():
        d = form.cleaned_data
        data = services.CaseData(
            applicant=d["applicant"],
            id_number=d["id_number"],
            phone=d["phone"],
            town=d["town"],
            address=d["address"],
            category=d["category"],
            facts=d["facts"],
            requested_help=d["requested_help"],
            found_by=d["found_by"],
            urgency=d["urgency"],
            household=[
                services.MemberData(**f.cleaned_data) for f in household.forms if f.has_changed()
            ],
        )
        try:
            case = services.register_case(data, by=user, files=d["files"])
        except services.CasesError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, f"个案已受理，编号 {case.number_label}。")
            return redirect(case)
    return render(request, "cases/case_form.html", {"form": form, "household": household})


def _case_context(request, case, *, shown=frozenset()):
    user = request.user
    manage = perms.can_manage_cases(user)
    actions, blocked = perms.case_offer(user, case)
    return {
        "case": case,
        "full": bool(shown),
        "shown": shown,
        "shown_labels": [label for value, label in Verification.Field.choices if value in shown],
        "can_see_full": perms.can_see_full(user, case),
        "can_see_files": Verification.Field.FILES in perms.visible_fields(user, case),
        "household": case.household.all(),
        "steps": case.steps.select_related("by"),
        "verifications": perms.verifications_for_user(user, case).select_related("answered_by"),
        "measures": case.measures.select_related("unit", "task"),
        "files": case.files.all(),
        "access_log": case.access_log.select_related("user", "unit")[:50] if manage else None,
        "can_manage": manage,
        "actions": actions,
        "blocked": blocked,
        "verification_form": VerificationForm() if "verify" in actions else None,
        "submit_form": SubmitForm() if "submit" in actions else None,
        "refuse_form": RefuseForm() if "refuse" in actions else None,
    }


@role_required()
@require_safe
def case_detail(request, pk):
    case = perms.get_case_for_user(request.user, pk)
    return render(request, "cases/case_detail.html", _case_context(request, case))


@role_required(Role.OFFICE, Role.LIAISON)
@require_safe
def case_full(request, pk):
    """The unmasked record: the fields this user may see, no more. Every view is logged with the
    fields shown and listed on the case for the office."""
    case = perms.get_case_for_user(request.user, pk)
    try:
        shown = services.view_full_record(case, by=request.user)
    except services.CasesError as e:
        raise PermissionDenied(str(e)) from e
    response = render(request, "cases/case_detail.html", _case_context(request, case, shown=shown))
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.OFFICE)
@require_POST
@once
def case_verify(request, pk):
    case = perms.get_case_for_user(request.user, pk)
    form = VerificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(case)
    try:
        services.request_verification(case, by=request.user, **form.cleaned_data)
    except services.CasesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "核对请求已发出。")
    return redirect(case)


@role_required(Role.OFFICE)
def case_edit(request, pk):
    """The office corrects the applicant's personal data; the form shows the values (a full
    view, logged), the step log records only which fields changed."""
    case = perms.get_case_for_user(request.user, pk)
    if case.erased_at is not None:
        messages.error(request, "该个案的个人信息已按保存期限删除，不能再修改。")
        return redirect(case)
    initial = {f: getattr(case, f) for f in ("applicant", "id_number", "phone", "address")}
    form = PersonalDataForm(request.POST or None, initial=initial)
    members = [
        (
            m,
            MemberIdentityForm(
                request.POST or None,
                prefix=f"m{m.pk}",
                initial={"name": m.name, "id_number": m.id_number},
            ),
        )
        for m in case.household.all()
    ]
    # Every form is validated, so each shows its own errors at once.
    checked = [form.is_valid(), *(f.is_valid() for _, f in members)]
    valid = all(checked)
    if request.method == "POST" and valid:
        household = {
            m.pk: (f.cleaned_data["name"], f.cleaned_data["id_number"]) for m, f in members
        }
        try:
            services.update_personal_data(
                case, by=request.user, household=household, **form.cleaned_data
            )
        except services.CasesError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "个人信息已修改，办理记录中已记下修改了哪些项。")
            return redirect(case)
    if request.method == "GET":
        services.view_full_record(
            case,
            by=request.user,
            fields=["applicant", "id_number", "phone", "address", "member_names", "member_ids"],
        )
    response = render(
        request, "cases/case_edit.html", {"case": case, "form": form, "members": members}
    )
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.OFFICE)
@require_POST
@once
def case_submit(request, pk):
    case = perms.get_case_for_user(request.user, pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(case)
    try:
        services.submit_for_deliberation(case, by=request.user, **form.cleaned_data)
    except services.CasesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已提请审议，个案已列入会议议程（只显示编号和化名）。")
    return redirect(case)


@role_required(Role.OFFICE)
@require_POST
@once
def case_start(request, pk):
    case = perms.get_case_for_user(request.user, pk)
    try:
        services.start_measures(case, by=request.user)
    except services.CasesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "救助措施已交办，列入督办台账。")
    return redirect(case)


@role_required(Role.OFFICE)
@require_POST
def case_close(request, pk):
    case = perms.get_case_for_user(request.user, pk)
    try:
        services.close_case(case, by=request.user)
    except services.CasesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "个案已办结。")
    return redirect(case)


@role_required(Role.OFFICE)
@require_POST
def case_refuse(request, pk):
    case = perms.get_case_for_user(request.user, pk)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(case)
    try:
        services.refuse_case(case, by=request.user, **form.cleaned_data)
    except services.CasesError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "已决定不予救助。")
    return redirect(case)


@role_required(Role.OFFICE)
@once
def case_decide(request, pk):
    case = perms.get_case_for_user(request.user, pk)
    formset = MeasureFormSet(request.POST or None, prefix="x")
    error = None
    if request.method == "POST" and formset.is_valid():
        measures = [
            services.MeasureData(**f.cleaned_data) for f in formset.forms if f.has_changed()
        ]
        try:
            services.record_decision(case, by=request.user, measures=measures)
        except services.CasesError as e:
            error = str(e)
        else:
            messages.success(request, "议定的救助措施已登记。")
            return redirect(case)
    return render(
        request, "cases/case_decide.html", {"case": case, "formset": formset, "error": error}
    )


@role_required()
@require_safe
def case_file(request, pk, file_pk):
    attachment = perms.get_case_file_for_user(request.user, pk, file_pk)
    # Opening a case's material is a view of its personal data: logged like the full record.
    return serve_stored_file(
        request,
        attachment,
        log=lambda: services.view_full_record(
            attachment.case, by=request.user, fields=[Verification.Field.FILES]
        ),
    )


@role_required()
@require_safe
def verification_list(request):
    """A unit's inbox of verification requests (the office sees all, outstanding first)."""
    verifications = perms.verifications_for_user(request.user).order_by(
        F("answered_at").asc(nulls_first=True), "-requested_at", "-pk"
    )
    page = Paginator(verifications, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/verification_list.html",
        {"page": page, "verifications": page.object_list},
    )


@role_required()
@once
def verification_detail(request, pk):
    verification = perms.get_verification_for_user(request.user, pk)
    form = AnswerForm(request.POST or None, initial={"answer": verification.answer})
    can_answer = (
        request.user.unit_id == verification.unit_id
        and perms.has_role(request.user, Role.LIAISON)
        and verification.case.status == Case.Status.VERIFYING
    )
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied("只有被请求核对单位的联络员可以答复。")
        if form.is_valid():
            try:
                services.answer_verification(verification, by=request.user, **form.cleaned_data)
            except services.CasesError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, "核对结果已答复。")
                return redirect("cases:verification-detail", pk=verification.pk)
    return render(
        request,
        "cases/verification_detail.html",
        {"v": verification, "case": verification.case, "form": form, "can_answer": can_answer},
    )


@role_required(Role.OFFICE)
@require_safe
def case_export(request):
    """Cases to Excel: masked values only, for the office."""
    cases = perms.cases_for_user(request.user).annotate(household_size=Count("household"))
    rows = (
        (
            c.number_label,
            c.deidentified_name,
            c.masked_id,
            c.masked_phone,
            c.town.name,
            c.get_category_display(),
            c.get_found_by_display(),
            c.get_urgency_display(),
            c.get_status_display(),
            c.household_size,
            timezone.localtime(c.registered_at).replace(tzinfo=None),
        )
        for c in cases
    )
    content = workbook("急难救助个案", CASE_COLUMNS, rows)
    response = HttpResponse(content, content_type=XLSX)
    name = f"急难救助个案-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


CASE_COLUMNS = [
    ("编号", 18),
    ("申请人", 10),
    ("身份证号", 22),
    ("联系电话", 14),
    ("所在镇", 14),
    ("困难类别", 10),
    ("发现方式", 10),
    ("紧急程度", 8),
    ("状态", 10),
    ("家庭人口", 8),
    ("受理时间", 18),
]
