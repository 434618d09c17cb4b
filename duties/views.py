from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from members.models import Liaison, Seat, Tenure, Unit
from members.permissions import Role, has_role, role_required

from .forms import DutySearchForm
from .models import Duty, Task


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


@role_required()
@require_safe
def task_list(request):
    """督办事项 the user's unit must do (all of them for the office and leaders)."""
    user = request.user
    tasks = Task.objects.select_related("lead_unit").prefetch_related("responsible_units")
    if not has_role(user, Role.OFFICE, Role.LEADER):
        tasks = tasks.filter(
            Q(lead_unit_id=user.unit_id) | Q(responsible_units=user.unit_id)
        ).distinct()
    return render(request, "duties/task_list.html", {"tasks": tasks, "today": timezone.localdate()})
