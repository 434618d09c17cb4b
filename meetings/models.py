"""Meetings, agenda items (议题), attendance, written opinions, minutes (纪要) and distribution.

Every status changes in meetings/services.py, never here.
"""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from duties.models import Duty, Task
from members.files import ServedFile, StoredFile
from members.models import Seat, Unit

USER = settings.AUTH_USER_MODEL
OFFICE_NAME = "伊金霍洛旗社会救助联席会议办公室"


class Meeting(models.Model):
    class Kind(models.TextChoices):
        PLENARY = "plenary", "全体会议"
        SPECIAL = "special", "专题会议"
        WRITTEN = "written", "书面审议"

    class Status(models.TextChoices):
        DRAFT = "draft", "筹备中"
        NOTIFIED = "notified", "已通知"
        HELD = "held", "已召开"
        CLOSED = "closed", "已结束"
        CANCELLED = "cancelled", "已取消"

    # What each state means, as the meeting page says it (issue 17). A meeting ends by itself
    # when its minutes are issued (meetings.services.issue_minutes): there is no button for it.
    STATE_HELP = {
        Status.DRAFT: "办公室正在准备议程和参会单位，参会单位还看不到这次会议。",
        Status.NOTIFIED: "会议通知已发出，参会单位可以查看议程、提交回执；会议开始后由办公室标记为已召开。",
        Status.HELD: "会议已召开，出席名单已按当日在任人员生成；办公室起草纪要，经领导审签后印发。",
        Status.CLOSED: "会议纪要已印发，会议结束；议定事项转入督办台账。",
        Status.CANCELLED: "会议已取消，原列入议程的议题退回办公室待重新安排。",
    }
    WRITTEN_STATE_HELP = {
        Status.NOTIFIED: "审议通知已发出，各单位在意见截止时间前填报意见；截止后由办公室结束审议。",
        Status.HELD: "书面审议已结束，意见已汇总；办公室起草纪要，经领导审签后印发。",
    }

    kind = models.CharField("会议类型", max_length=10, choices=Kind.choices)
    title = models.CharField("会议名称", max_length=200)
    starts_at = models.DateTimeField("会议时间")
    place = models.CharField("会议地点", max_length=200, blank=True)
    convener_seat = models.ForeignKey(
        Seat,
        verbose_name="召集人席位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="convened_meetings",
        help_text="全体会议由组长或副组长召集",
    )
    invited_units = models.ManyToManyField(Unit, verbose_name="参会单位", related_name="meetings")
    # 主持人: for a plenary the 组长 or 副组长 seat (its holder on the meeting day is printed);
    # for a special meeting whoever the office names, as name and post.
    host_seat = models.ForeignKey(
        Seat,
        verbose_name="主持人席位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_meetings",
        help_text="全体会议由组长或副组长主持",
    )
    host_name = models.CharField("主持人姓名", max_length=30, blank=True)
    host_post = models.CharField("主持人职务", max_length=120, blank=True)
    opinion_deadline = models.DateTimeField("书面意见截止时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        USER, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[invited_units])

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["starts_at", "id"], name="meeting_starts")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:meeting-detail", args=[self.pk])

    @property
    def label(self) -> str:
        """Title, kind and date: tells two meetings of the same name apart in a list."""
        return f"{self.title}（{self.get_kind_display()}，{timezone.localtime(self.starts_at):%Y-%m-%d}）"

    @property
    def is_written(self) -> bool:
        return self.kind == self.Kind.WRITTEN

    @property
    def state_help(self) -> str:
        if self.is_written and self.status in self.WRITTEN_STATE_HELP:
            return self.WRITTEN_STATE_HELP[self.status]
        return self.STATE_HELP[self.status]

    @property
    def convener_label(self) -> str:
        if self.convener_seat_id:
            seat = self.convener_seat
            tenure = seat.tenure_on(timezone.localtime(self.starts_at).date())
            role = seat.get_role_display()
            return f"{role} {tenure.person.name}" if tenure else role
        return OFFICE_NAME

    @property
    def host_label(self) -> str:
        """主持人 as printed: post and name (副旗长李贵), the seat's holder on the meeting day."""
        if self.host_seat_id:
            tenure = self.host_seat.tenure_on(timezone.localtime(self.starts_at).date())
            if tenure is None:
                return ""
            return f"{tenure.post or self.host_seat.post}{tenure.person.name}"
        if self.host_name:
            return f"{self.host_post}{self.host_name}"
        return ""


class AgendaItem(models.Model):
    class Action(models.TextChoices):
        """The steps of its 办理记录 (members.Step)."""

        SUBMITTED = "submitted", "提交"
        EDITED = "edited", "修改"
        ACCEPTED = "accepted", "受理"
        RETURNED = "returned", "退回修改"
        REJECTED = "rejected", "不予受理"
        WITHDRAWN = "withdrawn", "撤回"
        SCHEDULED = "scheduled", "列入议程"
        DELIBERATED = "deliberated", "会议审议"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "退回修改"
        ACCEPTED = "accepted", "已受理"
        REJECTED = "rejected", "不予受理"
        WITHDRAWN = "withdrawn", "已撤回"
        SCHEDULED = "scheduled", "已列入议程"
        DELIBERATED = "deliberated", "已审议"

    EDITABLE = (Status.SUBMITTED, Status.RETURNED)
    WITHDRAWABLE = (Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED)

    unit = models.ForeignKey(
        Unit, verbose_name="提出单位", on_delete=models.PROTECT, related_name="agenda_items"
    )
    submitted_by = models.ForeignKey(
        USER, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("议题名称", max_length=200)
    background = models.TextField("背景情况")
    proposal = models.TextField("建议方案")
    duty = models.ForeignKey(
        Duty,
        verbose_name="所依职责",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name="列入会议",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    order = models.PositiveSmallIntegerField("议程顺序", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    steps = GenericRelation("members.Step", verbose_name="办理记录")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "议题"
        verbose_name_plural = "议题"
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            # The list in its order, whole or by status (and the office's counts by status).
            models.Index(fields=["submitted_at", "id"], name="agendaitem_submitted"),
            models.Index(fields=["status", "submitted_at", "id"], name="agendaitem_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "order"],
                condition=Q(meeting__isnull=False),
                name="agenda_item_unique_order_per_meeting",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:item-detail", args=[self.pk])

    STATUS_COLORS = {
        Status.SUBMITTED: "primary",
        Status.RETURNED: "warning",
        Status.ACCEPTED: "info",
        Status.SCHEDULED: "success",
        Status.DELIBERATED: "dark",
    }

    @property
    def status_color(self) -> str:
        """The Bootstrap colour of the item's status badge."""
        return self.STATUS_COLORS.get(self.status, "secondary")


class Material(StoredFile):
    """材料: an attachment of an agenda item, kept outside any public URL."""

    item = models.ForeignKey(
        AgendaItem, verbose_name="议题", on_delete=models.CASCADE, related_name="materials"
    )

    class Meta(StoredFile.Meta):
        verbose_name = "议题材料"
        verbose_name_plural = "议题材料"

    def upload_folder(self):
        return f"materials/{self.item_id}"


class Attendance(models.Model):
    """出席/请假/委托/列席: the holder as of the meeting date, snapshotted when it is held."""

    class Status(models.TextChoices):
        PRESENT = "present", "出席"
        LEAVE = "leave", "请假"
        DELEGATE = "delegate", "委托"
        OBSERVER = "observer", "列席"

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attendances"
    )
    seat = models.ForeignKey(
        Seat, verbose_name="席位", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField("姓名", max_length=30)
    post = models.CharField("职务", max_length=120)
    status = models.CharField(
        "出席情况", max_length=10, choices=Status.choices, default=Status.PRESENT
    )
    delegate_name = models.CharField("受委托人", max_length=30, blank=True)
    delegate_post = models.CharField("受委托人职务", max_length=120, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "出席情况"
        verbose_name_plural = "出席情况"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "seat"],
                condition=Q(seat__isnull=False),
                name="attendance_one_row_per_seat",
            ),
            models.CheckConstraint(
                condition=~Q(status="delegate") | ~Q(delegate_name=""),
                name="attendance_delegate_named",
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.get_status_display()}"


class Opinion(models.Model):
    """书面审议意见: one per invited unit."""

    class Choice(models.TextChoices):
        AGREE = "agree", "同意"
        DISAGREE = "disagree", "不同意"
        COMMENT = "comment", "意见"

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="opinions"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    choice = models.CharField("意见", max_length=10, choices=Choice.choices)
    text = models.TextField("具体意见", blank=True)
    by = models.ForeignKey(USER, verbose_name="填报人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("填报时间", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "书面审议意见"
        verbose_name_plural = "书面审议意见"
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="opinion_one_per_unit"),
        ]

    def __str__(self):
        return f"{self.unit}：{self.get_choice_display()}"


class Reply(models.Model):
    """会议回执: an invited unit's answer to a meeting notice — its seat holder attends, a
    delegate attends (name and post), or it asks for leave (with a reason). The unit may change
    it until the reply deadline (the end of the day before the meeting)."""

    class Answer(models.TextChoices):
        ATTEND = "attend", "出席"
        DELEGATE = "delegate", "委托出席"
        LEAVE = "leave", "请假"

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="replies"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    answer = models.CharField("回执", max_length=10, choices=Answer.choices)
    delegate_name = models.CharField("受委托人", max_length=30, blank=True)
    delegate_post = models.CharField("受委托人职务", max_length=120, blank=True)
    reason = models.CharField("请假事由", max_length=200, blank=True)
    by = models.ForeignKey(USER, verbose_name="填报人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("填报时间", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "会议回执"
        verbose_name_plural = "会议回执"
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="reply_one_per_unit"),
        ]

    def __str__(self):
        return f"{self.unit}：{self.get_answer_display()}"

    @staticmethod
    def deadline_of(meeting) -> "datetime.datetime":
        """回执截止: the end of the day before the meeting (local time)."""
        day = timezone.localtime(meeting.starts_at).date()
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


OFD_CONTENT_TYPE = "application/ofd"  # the media type GB/T 33190 files are served with


class Minutes(models.Model):
    class Action(models.TextChoices):
        """The steps of its 办理记录 (members.Step)."""

        CREATED = "created", "起草"
        SUBMITTED = "submitted", "提交审签"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "审签同意"
        WITHDRAWN = "withdrawn", "撤回审签"
        ISSUED = "issued", "印发"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审签"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "已审签"
        ISSUED = "issued", "已印发"

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    meeting = models.OneToOneField(
        Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="minutes"
    )
    summary = models.TextField("会议概况", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)
    drafted_by = models.ForeignKey(
        USER, verbose_name="起草人", on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        USER,
        verbose_name="审签人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField("审签时间", null=True, blank=True)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    number = models.PositiveIntegerField("期号", null=True, blank=True)
    issued_by = models.ForeignKey(
        USER,
        verbose_name="印发人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    # 分送: every active member unit unless the office narrowed it, with a recorded reason;
    # 抄送: 旗人民政府办公室 always, plus recipients outside the system as text (市民政局…).
    narrowed_units = models.ManyToManyField(
        Unit,
        verbose_name="分送单位（缩小范围时）",
        blank=True,
        related_name="+",
        help_text="空：分送各成员单位",
    )
    narrow_reason = models.TextField("缩小分送范围的原因", blank=True)
    copy_extra = models.CharField(
        "其他抄送单位", max_length=200, blank=True, help_text="系统外的单位，用顿号分隔"
    )
    pdf = models.FileField("PDF", upload_to="minutes/", blank=True, max_length=200)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    # The OFD copy (GB/T 33190) of the same PDF, made at issuance by meetings/ofd.py. Indexed:
    # the 核验 page looks a checked file up by its SHA-256.
    ofd = models.FileField("OFD", upload_to="minutes/", blank=True, max_length=200)
    ofd_sha256 = models.CharField("OFD SHA-256", max_length=64, blank=True, db_index=True)
    steps = GenericRelation("members.Step", verbose_name="办理记录")

    history = HistoricalRecords(m2m_fields=[narrowed_units])

    class Meta:
        verbose_name = "会议纪要"
        verbose_name_plural = "会议纪要"
        ordering = ["-year", "-number", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="minutes_unique_number"),
            models.CheckConstraint(
                condition=~Q(status="issued") | (Q(number__isnull=False) & ~Q(pdf_sha256="")),
                name="minutes_issued_has_number_and_pdf",
            ),
        ]

    def __str__(self):
        return self.number_label or f"{self.meeting.title}纪要（{self.get_status_display()}）"

    def get_absolute_url(self):
        return reverse("meetings:minutes-detail", args=[self.pk])

    @property
    def number_label(self) -> str:
        """〔2026〕第3期 — six-cornered brackets, no leading zero."""
        return f"〔{self.year}〕第{self.number}期" if self.number else ""

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def issued_pdf(self) -> ServedFile:
        """The issued PDF as the units download it, under the name it is sent with."""
        return ServedFile(
            file=self.pdf,
            name=f"伊金霍洛旗社会救助联席会议纪要{self.number_label}.pdf",
            content_type="application/pdf",
            sha256=self.pdf_sha256,
        )

    @property
    def issued_ofd(self) -> ServedFile:
        """The OFD copy of the issued PDF, under the same name with .ofd."""
        return ServedFile(
            file=self.ofd,
            name=f"伊金霍洛旗社会救助联席会议纪要{self.number_label}.ofd",
            content_type=OFD_CONTENT_TYPE,
            sha256=self.ofd_sha256,
        )


class Decision(models.Model):
    """议定事项: becomes a Task in the supervision ledger when the minutes are issued."""

    minutes = models.ForeignKey(
        Minutes, verbose_name="纪要", on_delete=models.CASCADE, related_name="decisions"
    )
    order = models.PositiveSmallIntegerField("序号")
    text = models.TextField("议定事项")
    lead_unit = models.ForeignKey(
        Unit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+"
    )
    responsible_units = models.ManyToManyField(
        Unit, verbose_name="责任单位", blank=True, related_name="+"
    )
    deadline = models.DateField("完成时限", null=True, blank=True)
    task = models.OneToOneField(
        Task,
        verbose_name="督办事项",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decision",
    )

    history = HistoricalRecords(m2m_fields=[responsible_units])

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text[:40]


class Distribution(models.Model):
    """分送 / 抄送 of issued minutes to one unit, and what that unit has done with it."""

    class Kind(models.TextChoices):
        MAIN = "main", "分送"
        COPY = "copy", "抄送"

    minutes = models.ForeignKey(
        Minutes, verbose_name="纪要", on_delete=models.PROTECT, related_name="distributions"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="distributions"
    )
    kind = models.CharField("方式", max_length=5, choices=Kind.choices)
    delivered_at = models.DateTimeField("送达时间")
    first_downloaded_at = models.DateTimeField("首次下载时间", null=True, blank=True)
    download_count = models.PositiveIntegerField("下载次数", default=0)
    acknowledged_by = models.ForeignKey(
        USER,
        verbose_name="签收人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "分送记录"
        verbose_name_plural = "分送记录"
        ordering = ["kind", "unit__order"]
        indexes = [
            # What each unit has yet to acknowledge: a small index, however many were sent.
            models.Index(
                fields=["unit", "delivered_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="distribution_unacknowledged",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "unit"], name="distribution_one_per_unit"),
        ]

    def __str__(self):
        return f"{self.minutes} → {self.unit}"


class Download(models.Model):
    """Each download of an issued PDF: who, for which unit, when."""

    distribution = models.ForeignKey(
        Distribution, verbose_name="分送记录", on_delete=models.CASCADE, related_name="downloads"
    )
    by = models.ForeignKey(USER, verbose_name="下载人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("下载时间", auto_now_add=True)

    class Meta:
        verbose_name = "下载记录"
        verbose_name_plural = "下载记录"
        ordering = ["at"]

    def __str__(self):
        return f"{self.by} {self.at:%Y-%m-%d %H:%M}"


class PersonalDataConfirmation(models.Model):
    """The office confirmed that a name or address in a meeting, item or minutes that matches an
    urgent case is not that person (meetings/privacy.py). Kept with who and when."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="对象类型", on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField("对象")
    subject = GenericForeignKey("content_type", "object_id")
    field = models.CharField("字段", max_length=40)
    kind = models.CharField("类别", max_length=40)
    text = models.CharField("内容", max_length=200)
    by = models.ForeignKey(USER, verbose_name="确认人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("确认时间", default=timezone.now)

    class Meta:
        verbose_name = "个人信息排查确认"
        verbose_name_plural = "个人信息排查确认"
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="privacy_confirmation_subject")
        ]

    def __str__(self):
        return f"{self.text}（{self.field}）{self.by} {self.at:%Y-%m-%d %H:%M}"
