"""The duty catalogue, exactly as the charter (伊政发〔2024〕58号 二) states it, and the tasks the
units must carry out with their supervision (督办): feedback, extensions and escalation."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from members.files import ServedFile, StoredFile
from members.models import Unit


class DutyQuerySet(models.QuerySet):
    def for_unit(self, unit: Unit):
        """The department duties that rest on `unit`; entry 21 rests on every town."""
        condition = Q(units=unit)
        if unit.is_town:
            condition |= Q(applies_to_all_towns=True)
        return self.filter(condition, category=Duty.Category.DEPARTMENT).distinct()

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(text__contains=text) | Q(subject__contains=text))


class Duty(models.Model):
    class Category(models.IntegerChoices):
        # The charter's own order: （一） （二） （三）.
        LEADING_GROUP = 1, "工作领导小组职责"
        OFFICE = 2, "工作领导小组办公室职责"
        DEPARTMENT = 3, "部门职责"

    category = models.PositiveSmallIntegerField("类别", choices=Category.choices)
    number = models.PositiveSmallIntegerField("序号")
    subject = models.CharField(
        "责任主体", max_length=60, blank=True, help_text="部门职责条目所写的单位，如“旗总工会”"
    )
    text = models.TextField("职责内容")
    units = models.ManyToManyField(
        Unit, verbose_name="对应成员单位", blank=True, related_name="duties"
    )
    applies_to_all_towns = models.BooleanField("适用于各镇", default=False)

    history = HistoricalRecords(m2m_fields=[units])
    objects = DutyQuerySet.as_manager()

    class Meta:
        verbose_name = "职责"
        verbose_name_plural = "职责"
        ordering = ["category", "number"]
        constraints = [
            models.UniqueConstraint(fields=["category", "number"], name="duty_unique_number"),
        ]

    def __str__(self):
        if self.subject:
            return f"{self.number}.{self.subject}"
        return f"{self.get_category_display()} {self.number}"


class Light(models.TextChoices):
    """督办灯: green, yellow within 3 days of the deadline, red when overdue, grey when closed."""

    GREEN = "green", "绿灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"
    CLOSED = "closed", "已办结"


YELLOW_DAYS = 3


def light_for(deadline: datetime.date | None, closed: bool, today: datetime.date) -> str:
    if closed:
        return Light.CLOSED
    if deadline is None or deadline - today > datetime.timedelta(days=YELLOW_DAYS):
        return Light.GREEN
    if deadline < today:
        return Light.RED
    return Light.YELLOW


class TaskQuerySet(models.QuerySet):
    def with_light(self, today: datetime.date):
        """Annotate `light` in the database, so the ledger can filter and count by it."""
        closed = Q(status__in=[Task.Status.DONE, Task.Status.CLOSED])
        return self.annotate(
            light=models.Case(
                models.When(closed, then=models.Value(Light.CLOSED)),
                models.When(deadline__lt=today, then=models.Value(Light.RED)),
                models.When(
                    deadline__lte=today + datetime.timedelta(days=YELLOW_DAYS),
                    then=models.Value(Light.YELLOW),
                ),
                default=models.Value(Light.GREEN),
                output_field=models.CharField(),
            )
        )

    def lit(self, light: str, today: datetime.date):
        """Tasks of one light, written on status and deadline so the index on them serves it
        (filtering on the annotated `light` would evaluate the CASE on every row)."""
        closed = [Task.Status.DONE, Task.Status.CLOSED]
        yellow_end = today + datetime.timedelta(days=YELLOW_DAYS)
        if light == Light.CLOSED:
            return self.filter(status__in=closed)
        tasks = self.filter(status=Task.Status.OPEN)
        if light == Light.RED:
            return tasks.filter(deadline__lt=today)
        if light == Light.YELLOW:
            return tasks.filter(deadline__gte=today, deadline__lte=yellow_end)
        return tasks.filter(Q(deadline__gt=yellow_end) | Q(deadline__isnull=True))

    def open(self):
        return self.filter(status=Task.Status.OPEN)

    def for_unit(self, unit_id):
        """Tasks the unit takes part in; EXISTS, so no DISTINCT over the whole ledger."""
        return self.filter(
            models.Exists(TaskUnit.objects.filter(task=models.OuterRef("pk"), unit_id=unit_id))
        )


class Task(models.Model):
    """督办事项: something units must do by a date. Its source (a minutes decision, a case
    measure) points at it; duties imports neither, so the source is described in `source_label`."""

    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        DONE = "done", "已办结"
        CLOSED = "closed", "办公室销号"

    class Source(models.TextChoices):
        DECISION = "decision", "会议议定事项"
        CASE = "case", "个案救助措施"
        OFFICE = "office", "办公室交办"

    title = models.CharField("事项", max_length=500)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    source_label = models.CharField("来源说明", max_length=200, blank=True)
    lead_unit = models.ForeignKey(
        Unit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="led_tasks"
    )
    responsible_units = models.ManyToManyField(
        Unit, verbose_name="责任单位", blank=True, related_name="responsible_tasks"
    )
    deadline = models.DateField("完成时限", null=True, blank=True)
    original_deadline = models.DateField("原定时限", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    close_reason = models.TextField("销号理由", blank=True)

    history = HistoricalRecords(m2m_fields=[responsible_units])
    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "督办事项"
        verbose_name_plural = "督办事项"
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="task_status_deadline"),
            models.Index(fields=["created_at"], name="task_created"),
            # The ledger's default order (deadline, pk): its first page without sorting it all.
            models.Index(fields=["deadline", "id"], name="task_deadline_id"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("duties:task-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status != self.Status.OPEN

    def light_on(self, today: datetime.date) -> str:
        return light_for(self.deadline, self.is_closed, today)


class TaskUnit(models.Model):
    """One unit's part in a task: the lead unit and each responsible unit report and finish
    their own part. Rows belong to units, so a new liaison inherits them."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头单位"
        RESPONSIBLE = "responsible", "责任单位"

    task = models.ForeignKey(
        Task, verbose_name="督办事项", on_delete=models.CASCADE, related_name="units"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="task_parts"
    )
    role = models.CharField("角色", max_length=12, choices=Role.choices)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "单位办理情况"
        verbose_name_plural = "单位办理情况"
        ordering = ["role", "unit__order"]
        indexes = [
            # A unit's tasks (its ledger, its home page, the chart): read from the index alone.
            models.Index(fields=["unit", "task"], name="taskunit_unit_task"),
            # The parts still to do: a few hundred among ten years of finished ones.
            models.Index(
                fields=["task"], condition=Q(done_at__isnull=True), name="taskunit_unfinished"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="task_unit_once"),
        ]

    def __str__(self):
        return f"{self.task} · {self.unit}"


class Feedback(models.Model):
    """进展反馈: what a unit reports on its part of a task."""

    task = models.ForeignKey(
        Task, verbose_name="督办事项", on_delete=models.CASCADE, related_name="feedback"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("进展情况")
    date = models.DateField("反馈日期")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="反馈人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("填报时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "进展反馈"
        verbose_name_plural = "进展反馈"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["at", "unit"], name="feedback_at")]

    def __str__(self):
        return f"{self.unit} {self.date}"


class FeedbackFile(StoredFile):
    """反馈附件: what a unit attaches to its progress report."""

    feedback = models.ForeignKey(
        Feedback, verbose_name="反馈", on_delete=models.CASCADE, related_name="files"
    )

    class Meta(StoredFile.Meta):
        verbose_name = "反馈附件"
        verbose_name_plural = "反馈附件"

    def upload_folder(self):
        return f"feedback/{self.feedback_id}"


class Extension(models.Model):
    """延期申请: a unit asks for a later deadline; the office approves or refuses."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REFUSED = "refused", "不同意"

    task = models.ForeignKey(
        Task, verbose_name="督办事项", on_delete=models.CASCADE, related_name="extensions"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="申请单位", on_delete=models.PROTECT, related_name="+"
    )
    old_deadline = models.DateField("原时限", null=True, blank=True)
    new_deadline = models.DateField("申请延至")
    reason = models.TextField("延期理由")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_comment = models.TextField("审批意见", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status="pending"),
                name="extension_one_pending_per_task",
            ),
        ]

    def __str__(self):
        return f"{self.task} 延至 {self.new_deadline}"


class Escalation(models.Model):
    """督办升级: 通报 → 约谈 → 挂牌督办, each a dated, numbered record against a unit for a task."""

    class Level(models.IntegerChoices):
        NOTICE = 1, "通报"
        INTERVIEW = 2, "约谈"
        LISTED = 3, "挂牌督办"

    task = models.ForeignKey(
        Task, verbose_name="督办事项", on_delete=models.PROTECT, related_name="escalations"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="被督办单位", on_delete=models.PROTECT, related_name="escalations"
    )
    level = models.PositiveSmallIntegerField("督办方式", choices=Level.choices)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("编号")
    date = models.DateField("日期")
    content = models.TextField("内容", help_text="通报事由、约谈记录或挂牌督办要求")
    attendees = models.CharField("参加约谈人员", max_length=500, blank=True)
    agreed = models.TextField("约谈议定", blank=True)
    rectify_by = models.DateField("限期整改日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    resolved_at = models.DateTimeField("解除时间", null=True, blank=True)
    resolution = models.TextField("整改结果", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "督办升级"
        verbose_name_plural = "督办升级"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "year", "number"], name="escalation_unique_number"
            ),
        ]

    def __str__(self):
        return self.number_label

    def get_absolute_url(self):
        return reverse("duties:escalation-detail", args=[self.pk])

    @property
    def number_label(self) -> str:
        """督通〔2026〕3号 / 督谈〔2026〕1号 / 督挂〔2026〕1号."""
        prefix = {1: "督通", 2: "督谈", 3: "督挂"}[self.level]
        return f"{prefix}〔{self.year}〕{self.number}号"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# --- 救助信息报送: periodic reports of assistance figures (charter 二(三) 1–4, 7, 9, 10, 21) ----


class Indicator(models.Model):
    """指标: one figure the units report, e.g. 临时救助人次 (人次, integer) or 救助金额 (元, money)."""

    class Kind(models.TextChoices):
        INTEGER = "integer", "整数"
        MONEY = "money", "金额（两位小数）"

    class Measure(models.TextChoices):
        PERSON = "人", "人"
        PERSON_TIME = "人次", "人次"
        HOUSEHOLD = "户", "户"
        YUAN = "元", "元"
        PIECE = "件", "件"

    name = models.CharField("指标名称", max_length=60, unique=True)
    measure = models.CharField("计量单位", max_length=10, choices=Measure.choices)
    kind = models.CharField("数值类型", max_length=10, choices=Kind.choices)
    unit_kinds = models.JSONField(
        "报送单位类别", default=list, help_text="哪些类别的成员单位报送本指标"
    )
    help_text = models.CharField("填报说明", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "报送指标"
        verbose_name_plural = "报送指标"
        ordering = ["order", "pk"]

    def __str__(self):
        return f"{self.name}（{self.measure}）"

    @property
    def decimal_places(self) -> int:
        return 2 if self.kind == self.Kind.MONEY else 0

    def unit_kind_labels(self) -> str:
        labels = dict(Unit.Kind.choices)
        return "、".join(labels.get(k, k) for k in self.unit_kinds)


class ReportRound(models.Model):
    """报送任务: the office asks units for their figures of one period by a deadline."""

    class Period(models.TextChoices):
        MONTH = "month", "月度"
        QUARTER = "quarter", "季度"
        HALF = "half", "半年"
        YEAR = "year", "年度"

    class Status(models.TextChoices):
        OPEN = "open", "报送中"
        CLOSED = "closed", "已截止"
        PUBLISHED = "published", "已发布"

    class Action(models.TextChoices):
        OPENED = "opened", "发起报送"
        CLOSED = "closed", "截止报送"
        PUBLISHED = "published", "发布统计情况"

    PERIOD_COUNT = {"month": 12, "quarter": 4, "half": 2, "year": 1}

    period = models.CharField("周期", max_length=10, choices=Period.choices)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveSmallIntegerField(
        "期次", help_text="月份 1–12、季度 1–4、半年 1–2、年度 1"
    )
    deadline = models.DateField("报送截止日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    closed_at = models.DateTimeField("截止时间", null=True, blank=True)
    pdf = models.FileField("统计情况 PDF", upload_to="statistics/", blank=True, max_length=200)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    steps = GenericRelation("members.Step", verbose_name="办理记录")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "报送任务"
        verbose_name_plural = "报送任务"
        ordering = ["-year", "-deadline", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "year", "number"], name="report_round_one_per_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | ~Q(pdf_sha256=""),
                name="report_round_published_has_pdf",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("duties:round-detail", args=[self.pk])

    @property
    def title(self) -> str:
        return period_label(self.period, self.year, self.number)

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.year, self.number)

    def previous_period(self) -> tuple[int, int]:
        if self.number > 1:
            return self.year, self.number - 1
        return self.year - 1, self.PERIOD_COUNT[self.period]

    @property
    def published_pdf(self) -> ServedFile:
        return ServedFile(
            file=self.pdf,
            name=f"{self.title}社会救助统计情况.pdf",
            content_type="application/pdf",
            sha256=self.pdf_sha256,
        )


QUARTERS = "一二三四"


def period_label(period: str, year: int, number: int) -> str:
    """2026年第三季度 / 2026年6月 / 2026年上半年 / 2026年度."""
    if period == ReportRound.Period.MONTH:
        return f"{year}年{number}月"
    if period == ReportRound.Period.QUARTER:
        return f"{year}年第{QUARTERS[number - 1]}季度"
    if period == ReportRound.Period.HALF:
        return f"{year}年{'上' if number == 1 else '下'}半年"
    return f"{year}年度"


class Report(models.Model):
    """One unit's report in a round: its figures (ReportLine), a note, its 台账 files."""

    class Status(models.TextChoices):
        PENDING = "pending", "未填报"
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已报送"
        RETURNED = "returned", "退回修改"
        ACCEPTED = "accepted", "已采用"

    class Action(models.TextChoices):
        SAVED = "saved", "保存草稿"
        IMPORTED = "imported", "导入Excel"
        SUBMITTED = "submitted", "报送"
        RESUBMITTED = "resubmitted", "重新报送"
        RETURNED = "returned", "退回修改"
        ACCEPTED = "accepted", "采用"

    # Figures in these states count in the statistics: what the unit has sent in.
    COUNTED = ("submitted", "accepted")
    EDITABLE = ("pending", "draft", "returned")

    round = models.ForeignKey(
        ReportRound, verbose_name="报送任务", on_delete=models.CASCADE, related_name="reports"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="报送单位", on_delete=models.PROTECT, related_name="reports"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.TextField("填报说明", blank=True)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    first_submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    return_comment = models.TextField("退回意见", blank=True)
    steps = GenericRelation("members.Step", verbose_name="办理记录")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "信息报送"
        verbose_name_plural = "信息报送"
        ordering = ["round", "unit__order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="report_once_per_unit"),
        ]

    def __str__(self):
        return f"{self.round} · {self.unit}"

    def get_absolute_url(self):
        return reverse("duties:report-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def on_time(self) -> bool:
        """Sent in (first time) by the end of the deadline day."""
        if self.first_submitted_at is None:
            return False
        return timezone.localtime(self.first_submitted_at).date() <= self.round.deadline

    def light_on(self, today: datetime.date) -> str:
        sent = self.status in self.COUNTED or self.round.status != ReportRound.Status.OPEN
        return light_for(self.round.deadline, sent, today)


class ReportLine(models.Model):
    """One figure of a report: the indicator asked of this unit and the value it gave."""

    report = models.ForeignKey(
        Report, verbose_name="信息报送", on_delete=models.CASCADE, related_name="lines"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="lines"
    )
    value = models.DecimalField("数值", max_digits=16, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "报送数值"
        verbose_name_plural = "报送数值"
        ordering = ["indicator__order", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="report_line_once"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0), name="report_line_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.indicator.name} {self.value}"


class ReportFile(StoredFile):
    """台账: the unit's own ledger (Excel/PDF) behind its figures."""

    report = models.ForeignKey(
        Report, verbose_name="信息报送", on_delete=models.CASCADE, related_name="files"
    )

    class Meta(StoredFile.Meta):
        verbose_name = "报送台账"
        verbose_name_plural = "报送台账"

    def upload_folder(self):
        return f"reports/{self.report_id}"


# --- 政策清单: each unit's social-assistance policies (charter 三(二)) ----------------------------


class Policy(models.Model):
    """政策文件: a policy a member unit applies, with its status and the duties it implements."""

    class Status(models.TextChoices):
        CURRENT = "current", "现行有效"
        REVISED = "revised", "已修订"
        REPEALED = "repealed", "已废止"

    class Category(models.TextChoices):
        MINIMUM = "minimum", "最低生活保障"
        DESTITUTE = "destitute", "特困供养"
        TEMPORARY = "temporary", "临时救助"
        MEDICAL = "medical", "医疗救助"
        EDUCATION = "education", "教育救助"
        HOUSING = "housing", "住房救助"
        EMPLOYMENT = "employment", "就业救助"
        DISASTER = "disaster", "受灾人员救助"
        OTHER = "other", "其他"

    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="policies"
    )
    title = models.CharField("文件名称", max_length=200)
    doc_number = models.CharField(
        "文号", max_length=60, blank=True, help_text="如 伊政办发〔2023〕12号"
    )
    issuer = models.CharField("发文机关", max_length=100)
    issued_on = models.DateField("发布日期")
    effective_from = models.DateField("施行日期", null=True, blank=True)
    effective_until = models.DateField("有效期至", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.CURRENT)
    revised_by = models.ForeignKey(
        "self",
        verbose_name="修订后的文件",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revises",
    )
    category = models.CharField("救助类别", max_length=12, choices=Category.choices)
    duties = models.ManyToManyField(
        Duty, verbose_name="落实的职责", blank=True, related_name="policies"
    )
    summary = models.TextField("主要内容", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(m2m_fields=[duties])

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
        ordering = ["unit__order", "-issued_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="revised") | Q(revised_by__isnull=False),
                name="policy_revised_names_revision",
            ),
        ]

    def __str__(self):
        return f"{self.title}（{self.doc_number}）" if self.doc_number else self.title

    def get_absolute_url(self):
        return reverse("duties:policy-detail", args=[self.pk])


class PolicyFile(StoredFile):
    policy = models.ForeignKey(
        Policy, verbose_name="政策文件", on_delete=models.CASCADE, related_name="files"
    )

    class Meta(StoredFile.Meta):
        verbose_name = "政策文件原文"
        verbose_name_plural = "政策文件原文"

    def upload_folder(self):
        return f"policies/{self.policy_id}"


class PolicyReview(models.Model):
    """年度梳理: the office asks every unit to confirm its list is complete and current by a date."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    deadline = models.DateField("确认截止日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "政策清单梳理"
        verbose_name_plural = "政策清单梳理"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年度政策清单梳理"

    def get_absolute_url(self):
        return reverse("duties:policy-review-detail", args=[self.pk])


class PolicyConfirmation(models.Model):
    """One unit's answer to a 梳理: confirmed by whom and when (empty: not yet)."""

    review = models.ForeignKey(
        PolicyReview, verbose_name="梳理", on_delete=models.CASCADE, related_name="confirmations"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "政策清单确认"
        verbose_name_plural = "政策清单确认"
        ordering = ["review", "unit__order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "unit"], name="policy_confirmation_once"),
        ]

    def __str__(self):
        return f"{self.review} · {self.unit}"

    @property
    def on_time(self) -> bool:
        return (
            self.confirmed_at is not None
            and timezone.localtime(self.confirmed_at).date() <= self.review.deadline
        )


# --- 年度考评: the yearly assessment of the member units from the record (charter 五(一)) ------


class Scheme(models.Model):
    """考评方案: a year's weighted indicators, grade thresholds, and (once submitted) the results."""

    class Status(models.TextChoices):
        DRAFT = "draft", "起草中"
        SUBMITTED = "submitted", "待领导审定"
        APPROVED = "approved", "已审定"
        PUBLISHED = "published", "已公布"

    class Action(models.TextChoices):
        CREATED = "created", "起草方案"
        SUBMITTED = "submitted", "提交审定"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "审定"
        PUBLISHED = "published", "公布结果"
        VETOED = "vetoed", "一票否决"
        SCORED = "scored", "评分"

    year = models.PositiveSmallIntegerField("考评年度", unique=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    excellent_from = models.DecimalField("优秀分数线", max_digits=5, decimal_places=2, default=90)
    good_from = models.DecimalField("良好分数线", max_digits=5, decimal_places=2, default=80)
    pass_from = models.DecimalField("合格分数线", max_digits=5, decimal_places=2, default=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    computed_at = models.DateTimeField("结果计算时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审定人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField("审定时间", null=True, blank=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    pdf = models.FileField("考评结果 PDF", upload_to="assessments/", blank=True, max_length=200)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    steps = GenericRelation("members.Step", verbose_name="办理记录")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考评方案"
        verbose_name_plural = "考评方案"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(excellent_from__gte=models.F("good_from"))
                & Q(good_from__gte=models.F("pass_from")),
                name="scheme_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | ~Q(pdf_sha256=""),
                name="scheme_published_has_pdf",
            ),
        ]

    def __str__(self):
        return f"{self.year}年度成员单位考评"

    def get_absolute_url(self):
        return reverse("duties:scheme-detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        """From submission on, the results are the stored ones, whatever the record does later."""
        return self.status != self.Status.DRAFT

    def grade_for(self, score, vetoed: bool) -> str:
        if vetoed or score < self.pass_from:
            return Grade.FAIL
        if score >= self.excellent_from:
            return Grade.EXCELLENT
        if score >= self.good_from:
            return Grade.GOOD
        return Grade.PASS

    @property
    def published_pdf(self) -> ServedFile:
        return ServedFile(
            file=self.pdf,
            name=f"{self.year}年度成员单位考评结果.pdf",
            content_type="application/pdf",
            sha256=self.pdf_sha256,
        )


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class SchemeItem(models.Model):
    """考评指标: computed from the record (`source`) or scored by the office by hand."""

    scheme = models.ForeignKey(
        Scheme, verbose_name="考评方案", on_delete=models.CASCADE, related_name="items"
    )
    source = models.CharField("计分依据", max_length=30)
    name = models.CharField("指标", max_length=60)
    weight = models.DecimalField("分值", max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField("排序", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考评指标"
        verbose_name_plural = "考评指标"
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="scheme_item_weight_positive"),
            models.UniqueConstraint(fields=["scheme", "source"], name="scheme_item_source_once"),
        ]

    def __str__(self):
        return f"{self.name}（{self.weight}分）"

    @property
    def is_manual(self) -> bool:
        return self.source == MANUAL


MANUAL = "manual"


class ManualScore(models.Model):
    """The office's score of one unit on a hand-scored item, always with its reason."""

    item = models.ForeignKey(
        SchemeItem, verbose_name="考评指标", on_delete=models.CASCADE, related_name="manual_scores"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField("得分", max_digits=5, decimal_places=2)
    note = models.TextField("评分说明")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评分人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("评分时间", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "手工评分"
        verbose_name_plural = "手工评分"
        constraints = [
            models.UniqueConstraint(fields=["item", "unit"], name="manual_score_once"),
        ]

    def __str__(self):
        return f"{self.item.name} · {self.unit} {self.score}"


class Veto(models.Model):
    """一票否决: the unit's result is 不合格 whatever its score, for the reason given."""

    scheme = models.ForeignKey(
        Scheme, verbose_name="考评方案", on_delete=models.CASCADE, related_name="vetoes"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("否决理由")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "一票否决"
        verbose_name_plural = "一票否决"
        constraints = [models.UniqueConstraint(fields=["scheme", "unit"], name="veto_once")]

    def __str__(self):
        return f"{self.scheme} · {self.unit}"


class VetoFile(StoredFile):
    veto = models.ForeignKey(
        Veto, verbose_name="一票否决", on_delete=models.CASCADE, related_name="files"
    )

    class Meta(StoredFile.Meta):
        verbose_name = "否决依据"
        verbose_name_plural = "否决依据"

    def upload_folder(self):
        return f"vetoes/{self.veto_id}"


class UnitResult(models.Model):
    """A unit's result, stored when the scheme is submitted and never recomputed afterwards."""

    scheme = models.ForeignKey(
        Scheme, verbose_name="考评方案", on_delete=models.CASCADE, related_name="results"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField("总分", max_digits=6, decimal_places=2)
    grade = models.CharField("等次", max_length=10, choices=Grade.choices)
    rank = models.PositiveSmallIntegerField("名次")
    veto_reason = models.TextField("一票否决理由", blank=True)
    breakdown = models.JSONField("得分明细")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考评结果"
        verbose_name_plural = "考评结果"
        ordering = ["scheme", "rank", "unit__order"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "unit"], name="unit_result_once"),
        ]

    def __str__(self):
        return f"{self.scheme} · {self.unit} {self.score}"
