"""Urgent hardship cases, one matter one deliberation (急难救助 一事一议).

Personal data (names, ID numbers, phones, addresses of applicants and household members) is
stored encrypted (cases/fields.py, keys outside the database: cases/crypto.py) and never goes into
django-simple-history: those fields are excluded from the history tables, so history can be shown
without leaking them. An ID number is found by its keyed hash (`id_number_hmac`), never compared
in plain.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from duties.models import Task
from meetings.models import AgendaItem
from members.files import StoredFile
from members.models import Unit

from .crypto import search_hash
from .fields import EncryptedTextField
from .identity import mask_id, mask_phone

USER = settings.AUTH_USER_MODEL
# Kept out of every history table (issue 18): the case's own step log says what changed, and a
# dump of the history tables names nobody.
PERSONAL_FIELDS = ["applicant", "id_number", "id_number_hmac", "phone", "address"]
MEMBER_PERSONAL_FIELDS = ["name", "id_number", "id_number_hmac"]


def _with_hmac(instance, kwargs):
    """Keep the search column in step with the ID number it is computed from."""
    instance.id_number_hmac = search_hash(instance.id_number)
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "id_number" in update_fields:
        kwargs["update_fields"] = {*update_fields, "id_number_hmac"}
    return kwargs


class Case(models.Model):
    class Category(models.TextChoices):
        ILLNESS = "illness", "因病"
        DISASTER = "disaster", "因灾"
        DISABILITY = "disability", "因残"
        SCHOOLING = "schooling", "因学"
        EMERGENCY = "emergency", "突发事件"
        OTHER = "other", "其他"

    class Found(models.TextChoices):
        ACTIVE = "active", "主动发现"
        APPLIED = "applied", "申请"

    class Urgency(models.TextChoices):
        NORMAL = "normal", "一般"
        URGENT = "urgent", "紧急"
        CRITICAL = "critical", "特急"

    class Status(models.TextChoices):
        RECEIVED = "received", "受理"
        VERIFYING = "verifying", "核实"
        SUBMITTED = "submitted", "提请审议"
        DECIDED = "decided", "议定"
        IMPLEMENTING = "implementing", "实施中"
        CLOSED = "closed", "办结"
        REFUSED = "refused", "不予救助"

    class Event(models.TextChoices):
        """Steps of the log that are not a change of status (members.Step.action)."""

        EDITED = "edited", "修改个人信息"
        ERASED = "erased", "删除个人信息"

    FINAL = (Status.CLOSED, Status.REFUSED)

    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("编号")
    applicant = EncryptedTextField("申请人", max_length=30)
    id_number = EncryptedTextField("身份证号", max_length=18)
    id_number_hmac = models.CharField(
        "身份证号检索码", max_length=64, blank=True, editable=False, db_index=True
    )
    phone = EncryptedTextField("联系电话", max_length=20, blank=True)
    town = models.ForeignKey(
        Unit, verbose_name="所在镇", on_delete=models.PROTECT, related_name="cases"
    )
    address = EncryptedTextField("住址", max_length=200)
    category = models.CharField("困难类别", max_length=12, choices=Category.choices)
    facts = models.TextField("困难情况")
    requested_help = models.TextField("救助诉求")
    found_by = models.CharField("发现方式", max_length=10, choices=Found.choices)
    urgency = models.CharField(
        "紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.URGENT
    )
    status = models.CharField(
        "状态", max_length=14, choices=Status.choices, default=Status.RECEIVED
    )
    refuse_reason = models.TextField("不予救助理由", blank=True)
    agenda_item = models.OneToOneField(
        AgendaItem,
        verbose_name="审议议题",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
    )
    registered_by = models.ForeignKey(
        USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)
    erased_at = models.DateTimeField("个人信息删除时间", null=True, blank=True)
    steps = GenericRelation("members.Step", verbose_name="办理记录")  # action: a Status value

    history = HistoricalRecords(excluded_fields=PERSONAL_FIELDS)

    class Meta:
        verbose_name = "急难救助个案"
        verbose_name_plural = "急难救助个案"
        ordering = ["-year", "-number"]
        indexes = [models.Index(fields=["status", "year", "number"], name="case_status")]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="case_unique_number"),
        ]

    def __str__(self):
        return f"{self.number_label} {self.deidentified_name}"

    def save(self, *args, **kwargs):
        super().save(*args, **_with_hmac(self, kwargs))

    def get_absolute_url(self):
        return reverse("cases:case-detail", args=[self.pk])

    @property
    def number_label(self) -> str:
        return f"急难〔{self.year}〕{self.number}号"

    @property
    def deidentified_name(self) -> str:
        """张三丰 → 张某某: the only name documents for thirty units may carry."""
        return deidentify(self.applicant)

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


def deidentify(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    # Two-character surnames (欧阳, 司马…) are rare here; keep the first character only.
    return name[0] + "某某"


class HouseholdMember(models.Model):
    case = models.ForeignKey(
        Case, verbose_name="个案", on_delete=models.CASCADE, related_name="household"
    )
    name = EncryptedTextField("姓名", max_length=30)
    relation = models.CharField("与申请人关系", max_length=20)
    id_number = EncryptedTextField("身份证号", max_length=18)
    id_number_hmac = models.CharField(
        "身份证号检索码", max_length=64, blank=True, editable=False, db_index=True
    )
    condition = models.CharField("健康/就业等情况", max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=MEMBER_PERSONAL_FIELDS)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["pk"]

    def __str__(self):
        return f"{deidentify(self.name)}（{self.relation}）"

    def save(self, *args, **kwargs):
        super().save(*args, **_with_hmac(self, kwargs))

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)


class Verification(models.Model):
    """家庭经济状况核对: a request to one unit and its answer.

    Minimum necessary (PIPL Art. 6): the office chooses, per request, which personal fields the
    unit may see in the case's full record (`shown_fields`); the unit sees those and no others.
    """

    class Field(models.TextChoices):
        APPLICANT = "applicant", "申请人姓名"
        ID_NUMBER = "id_number", "申请人身份证号"
        MEMBER_NAMES = "member_names", "家庭成员姓名"
        MEMBER_IDS = "member_ids", "家庭成员身份证号"
        PHONE = "phone", "联系电话"
        ADDRESS = "address", "住址"
        FILES = "files", "个案材料"

    # What a 户籍, 房产, 纳税 or 社保 check needs: who the people are. Phone, address and the
    # materials only when the office ticks them.
    DEFAULT_FIELDS = [
        Field.APPLICANT,
        Field.ID_NUMBER,
        Field.MEMBER_NAMES,
        Field.MEMBER_IDS,
    ]

    case = models.ForeignKey(
        Case, verbose_name="个案", on_delete=models.CASCADE, related_name="verifications"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="核对单位", on_delete=models.PROTECT, related_name="verifications"
    )
    subject = models.CharField(
        "核对事项", max_length=100, help_text="如：户籍、车辆；房产；纳税；社保、就业"
    )
    question = models.TextField("核对要求", blank=True)
    shown_fields = models.JSONField("可查看的个人信息", default=list, blank=True)
    requested_by = models.ForeignKey(
        USER, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("发起时间", auto_now_add=True)
    answer = models.TextField("核对结果", blank=True)
    answered_by = models.ForeignKey(
        USER,
        verbose_name="答复人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "核对请求"
        verbose_name_plural = "核对请求"
        ordering = ["requested_at", "pk"]
        indexes = [
            # Requests waiting for an answer, per unit: counted on every home page.
            models.Index(
                fields=["unit"], condition=Q(answered_at__isnull=True), name="verification_waiting"
            ),
        ]
        constraints = [
            # The same check asked twice of one unit while the first is unanswered (issue 17).
            models.UniqueConstraint(
                fields=["case", "unit", "subject"],
                condition=Q(answered_at__isnull=True),
                name="verification_one_open_per_subject",
                violation_error_message="已向该单位发出同一事项的核对请求，尚未答复。",
            ),
        ]

    def __str__(self):
        return f"{self.case.number_label} {self.unit} {self.subject}"

    def get_absolute_url(self):
        return reverse("cases:verification-detail", args=[self.pk])

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def shown_fields_label(self) -> str:
        return field_labels(self.shown_fields)


def field_labels(fields) -> str:
    labels = dict(Verification.Field.choices)
    return "、".join(labels.get(f, f) for f in Verification.Field.values if f in set(fields))


class Measure(models.Model):
    """救助措施: one unit's part of the decision; it becomes a task in the supervision ledger."""

    case = models.ForeignKey(
        Case, verbose_name="个案", on_delete=models.CASCADE, related_name="measures"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="落实单位", on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField("措施内容")
    amount = models.DecimalField(
        "金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateField("完成时限")
    task = models.OneToOneField(
        Task,
        verbose_name="督办事项",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measure",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "救助措施"
        verbose_name_plural = "救助措施"
        ordering = ["pk"]

    def __str__(self):
        return f"{self.unit}：{self.description[:30]}"


class CaseFile(StoredFile):
    """个案材料: carries personal data, so only those who see the full record may download it."""

    case = models.ForeignKey(
        Case, verbose_name="个案", on_delete=models.CASCADE, related_name="files"
    )

    class Meta(StoredFile.Meta):
        verbose_name = "个案材料"
        verbose_name_plural = "个案材料"

    def upload_folder(self):
        return f"cases/{self.case_id}"


class AccessLog(models.Model):
    """Each view of a case's full personal data: who, when, which case, which fields were shown."""

    case = models.ForeignKey(
        Case, verbose_name="个案", on_delete=models.CASCADE, related_name="access_log"
    )
    user = models.ForeignKey(
        USER, verbose_name="查看人", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="查看人单位", on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField("查看时间", auto_now_add=True)
    fields = models.JSONField("显示的个人信息", default=list, blank=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.at:%Y-%m-%d %H:%M}"

    @property
    def fields_label(self) -> str:
        return field_labels(self.fields)
