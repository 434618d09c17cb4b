from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import calendar, views

admin.site.site_header = "伊金霍洛旗社会救助联席会议 · 系统管理"
admin.site.site_title = "系统管理"
admin.site.index_title = "数据维护"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("healthz", views.healthz, name="healthz"),  # for load balancers and the benchmark
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("calendar/feed/renew/", calendar.calendar_feed_renew, name="calendar-feed-renew"),
    path("calendar/feed/<str:token>.ics", calendar.calendar_feed, name="calendar-feed"),
    path("members/", include("members.urls")),
    path("duties/", include("duties.urls")),
    path("meetings/", include("meetings.urls")),
    path("cases/", include("cases.urls")),
    # JIUZHU_ADMIN_PATH; jiuzhu.middleware.AdminNetworkMiddleware decides who reaches it.
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler403 = "jiuzhu.views.permission_denied"
