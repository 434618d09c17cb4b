from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from members.models import Liaison, Seat, Tenure, Unit
from members.permissions import role_required

from .forms import DutySearchForm
from .models import Duty


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
