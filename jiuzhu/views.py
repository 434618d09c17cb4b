from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from duties.models import Duty
from members.models import Seat, Unit
from members.permissions import role_required


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """GET asks for confirmation (a typed URL must not log anyone out); POST logs out."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return render(request, "registration/logged_out.html")
        return render(request, "registration/logout_confirm.html")


@role_required()
@require_safe
def home(request):
    return render(
        request,
        "jiuzhu/home.html",
        {
            "today": timezone.localdate(),
            "seat_count": Seat.objects.in_service_on(timezone.localdate()).count(),
            "unit_count": Unit.objects.filter(active=True).count(),
            "duty_count": Duty.objects.count(),
        },
    )


@requires_csrf_token
def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有访问此页面的权限。"
    return render(request, "403.html", {"message": message}, status=403)
