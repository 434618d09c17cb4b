"""The leading group: member units, seats, the people who hold them, and their liaisons.

Ownership in the whole application is by unit and seat, never by person: a successor who
takes over a seat inherits everything the seat or its unit owns without any further step.
"""

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

CHARTER_BASIS = "伊政发〔2024〕58号"
SUCCESSION_BASIS = "工作变动自然接任"


class Unit(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", "旗人民政府"
        GOVERNMENT_OFFICE = "government_office", "旗人民政府办公室"
        DEPARTMENT = "department", "旗直部门"
        MASS_ORGANISATION = "mass_organisation", "群团组织"
        TOWN = "town", "镇人民政府"

    name = models.CharField("名称", max_length=60, unique=True)
    short_name = models.CharField("简称", max_length=30)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "成员单位"
        verbose_name_plural = "成员单位"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("duties:unit-detail", args=[self.pk])

    @property
    def is_town(self) -> bool:
        return self.kind == self.Kind.TOWN


class Office(models.Model):
    """领导小组办公室: set up in a host unit, directed by the holder of a named post there."""

    name = models.CharField("名称", max_length=60)
    host_unit = models.ForeignKey(
        Unit, verbose_name="设在单位", on_delete=models.PROTECT, related_name="+"
    )
    director_post = models.CharField("办公室主任由", max_length=60)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "领导小组办公室"
        verbose_name_plural = "领导小组办公室"

    def __str__(self):
        return self.name


class Person(models.Model):
    name = models.CharField("姓名", max_length=30)
    user = models.OneToOneField(
        "members.User",
        verbose_name="登录账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["pk"]

    def __str__(self):
        return self.name


class UnitUserManager(UserManager):
    """Every page names the signed-in user's unit (base.html): load it with the user, in the
    query that authenticates each request, instead of one more query per page."""

    def get_queryset(self):
        return super().get_queryset().select_related("unit")


class User(AbstractUser):
    """A login. Belongs to at most one member unit; its role is its group."""

    objects = UnitUserManager()

    class NotifyBy(models.TextChoices):
        SITE = "site", "仅站内消息"
        EMAIL = "email", "站内消息 + 邮件"

    unit = models.ForeignKey(
        Unit,
        verbose_name="所属单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    notify_by = models.CharField(
        "通知方式", max_length=10, choices=NotifyBy.choices, default=NotifyBy.SITE
    )

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username


class SeatQuerySet(models.QuerySet):
    def in_service_on(self, day: datetime.date):
        return self.filter(Q(retired_on__isnull=True) | Q(retired_on__gt=day))


class Seat(models.Model):
    """席位: a place in the leading group. It outlives the people who hold it."""

    class Role(models.TextChoices):
        LEADER = "leader", "组长"
        DEPUTY = "deputy", "副组长"
        MEMBER = "member", "成员"

    role = models.CharField("职务", max_length=10, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="seats"
    )
    post = models.CharField("岗位", max_length=60, help_text="如：副旗长、局长、副主席")
    order = models.PositiveSmallIntegerField("排序", default=0)
    retired_on = models.DateField("撤销日期", null=True, blank=True)

    history = HistoricalRecords()
    objects = SeatQuerySet.as_manager()

    class Meta:
        verbose_name = "席位"
        verbose_name_plural = "席位"
        ordering = ["order", "pk"]

    def __str__(self):
        return f"{self.get_role_display()} · {self.unit.name}{self.post}"

    def get_absolute_url(self):
        return reverse("members:seat-detail", args=[self.pk])

    def is_retired_on(self, day: datetime.date) -> bool:
        return self.retired_on is not None and self.retired_on <= day

    def tenure_on(self, day: datetime.date) -> "Tenure | None":
        return self.tenures.on(day).select_related("person").first()

    @property
    def current_tenure(self) -> "Tenure | None":
        return self.tenures.filter(end__isnull=True).select_related("person").first()


class TenureQuerySet(models.QuerySet):
    def on(self, day: datetime.date):
        """Tenures in force on `day` (start and end are both inclusive)."""
        return self.filter(Q(end__isnull=True) | Q(end__gte=day), start__lte=day)


class Tenure(models.Model):
    """任职: one person holding one seat for a span of days. An open end means current."""

    seat = models.ForeignKey(
        Seat, verbose_name="席位", on_delete=models.PROTECT, related_name="tenures"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="tenures"
    )
    post = models.CharField("职务（任职时）", max_length=120)
    start = models.DateField("起始日期")
    end = models.DateField("终止日期", null=True, blank=True)
    basis = models.CharField("依据", max_length=100, default=CHARTER_BASIS)
    recorded_by = models.ForeignKey(
        User,
        verbose_name="记录人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    history = HistoricalRecords()
    objects = TenureQuerySet.as_manager()

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        ordering = ["seat__order", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["seat"],
                condition=Q(end__isnull=True),
                name="tenure_one_open_per_seat",
                violation_error_message="该席位已有在任人员。",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="tenure_end_not_before_start",
                violation_error_message="终止日期不能早于起始日期。",
            ),
        ]

    def __str__(self):
        return f"{self.person.name} {self.post}"

    @property
    def is_current(self) -> bool:
        return self.end is None


class Liaison(models.Model):
    """联络员: the head of a member unit's section. A unit may have several at once."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="liaisons"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="liaison_terms"
    )
    post = models.CharField("职务", max_length=60, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    start = models.DateField("起始日期")
    end = models.DateField("终止日期", null=True, blank=True)

    history = HistoricalRecords()
    objects = TenureQuerySet.as_manager()

    class Meta:
        verbose_name = "联络员"
        verbose_name_plural = "联络员"
        ordering = ["unit__order", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "person"],
                condition=Q(end__isnull=True),
                name="liaison_one_open_per_unit_person",
                violation_error_message="此人已是该单位的在任联络员。",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="liaison_end_not_before_start",
                violation_error_message="终止日期不能早于起始日期。",
            ),
        ]

    def __str__(self):
        return f"{self.unit.name} {self.person.name}"


class Sequence(models.Model):
    """A named counter (e.g. 纪要 2026, 督通 2026). Its row is the lock that keeps numbers gapless
    and unique even when two requests take the next number at once."""

    key = models.CharField("名称", max_length=40, unique=True)
    last_number = models.PositiveIntegerField("已用编号", default=0)

    class Meta:
        verbose_name = "编号序列"
        verbose_name_plural = "编号序列"

    def __str__(self):
        return f"{self.key}：{self.last_number}"


class Step(models.Model):
    """办理记录: one step of a workflow (an agenda item, minutes, a case): who did what, when, why.

    One log for every workflow, not one model per app, and not simple-history: history rows are
    per save and copy every field (personal data included), while a step is the workflow's own
    account in the words the user saw. `action` is the app's code (its TextChoices value) and
    `label` the words at the time, so a renamed label never rewrites what was recorded.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="对象类型", on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField("对象")
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField("操作代码", max_length=20)
    label = models.CharField("操作", max_length=20)
    by = models.ForeignKey(
        "members.User", verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now)
    comment = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="step_subject")]

    def __str__(self):
        return f"{self.label} {self.by} {self.at:%Y-%m-%d %H:%M}"


class IdempotencyKey(models.Model):
    """A form's one-time token, spent by the submission that succeeded (members/idempotency.py).

    The unique constraint on (user, token) is what decides a race of double submissions: the
    second INSERT waits for the first transaction and then fails, so exactly one runs the view.
    """

    user = models.ForeignKey(
        "members.User", verbose_name="提交人", on_delete=models.CASCADE, related_name="+"
    )
    token = models.UUIDField("表单令牌")
    path = models.CharField("提交地址", max_length=300)
    result_url = models.CharField("提交结果", max_length=300, blank=True)
    created = models.DateTimeField("提交时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "表单提交记录"
        verbose_name_plural = "表单提交记录"
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="idempotency_key_once_per_user")
        ]

    def __str__(self):
        return f"{self.user} {self.path} {self.created:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """站内消息: one message to one user. Addressed to units, seats and roles by the sender
    (members/notifications.py) and resolved to the users who hold them at the time it is sent,
    so a successor simply starts receiving the unit's messages.

    `day` is set only for scheduled reminders: with `event` and the recipient it is unique, so a
    reminder reaches a person at most once a day however often the schedule fires and however
    many workers race (NULLs never collide, so immediate messages are not limited).
    """

    class Kind(models.TextChoices):
        ITEM = "item", "议题"
        MEETING = "meeting", "会议"
        REVIEW = "review", "书面审议"
        MINUTES = "minutes", "纪要"
        TASK = "task", "督办"
        CASE = "case", "个案"
        REMINDER = "reminder", "提醒"

    recipient = models.ForeignKey(
        User, verbose_name="收件人", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    event = models.CharField("事件", max_length=80)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    day = models.DateField("提醒日期", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "day"], name="notification_once_a_day"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """投递: the e-mail copy of one notification, sent by the task worker and retried with
    backoff when the mail server fails; the office sees every delivery and can send it again."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        RETRYING = "retrying", "重试中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    notification = models.OneToOneField(
        Notification, verbose_name="消息", on_delete=models.CASCADE, related_name="delivery"
    )
    address = models.EmailField("邮箱")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.TextField("最后错误", blank=True)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    attachment_name = models.CharField("附件名", max_length=100, blank=True)
    attachment = models.TextField("附件", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "邮件投递"
        verbose_name_plural = "邮件投递"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.address} {self.get_status_display()}"


class CalendarDay(models.Model):
    """办公室添加的日期: a day the office declares a working day or a day off, over the State
    Council's calendar (chinese-calendar) — e.g. a local holiday, or a year the library does not
    know yet."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("工作日", default=False)
    note = models.CharField("说明", max_length=60, blank=True)

    class Meta:
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'上班' if self.is_working_day else '休息'}"


class Chase(models.Model):
    """催办 / 催签 by hand: the office reminds a unit about one object (a task, issued minutes).
    At most once per unit, object and day — the database refuses a second one."""

    class Kind(models.TextChoices):
        TASK = "task", "催办"
        MINUTES = "minutes", "催签"
        REPLY = "reply", "催回执"

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="对象类型", on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField("对象")
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField("方式", max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    day = models.DateField("日期")
    text = models.CharField("附言", max_length=200, blank=True)
    by = models.ForeignKey(User, verbose_name="催办人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "催办记录"
        verbose_name_plural = "催办记录"
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "unit", "day"], name="chase_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.unit} {self.day}"


class CalendarFeed(models.Model):
    """A user's personal iCalendar feed: a secret URL for Outlook, Foxmail or a phone. Renewing
    it replaces the secret, and the old URL stops working."""

    user = models.OneToOneField(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField("密钥", max_length=64, unique=True)
    created_at = models.DateTimeField("生成时间", default=timezone.now)

    class Meta:
        verbose_name = "日历订阅"
        verbose_name_plural = "日历订阅"

    def __str__(self):
        return f"{self.user} 的日历订阅"
