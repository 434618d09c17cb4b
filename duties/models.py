"""The duty catalogue, exactly as the charter (伊政发〔2024〕58号 二) states it."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

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


class Task(models.Model):
    """督办事项: something units must do by a date. Its source (a minutes decision, a case
    measure) points at it; duties imports neither, so the source is described in `source_label`.
    The supervision issue grows this into the full 督办台账."""

    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        DONE = "done", "已办结"

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
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[responsible_units])

    class Meta:
        verbose_name = "督办事项"
        verbose_name_plural = "督办事项"
        ordering = ["deadline", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("duties:task-list") + f"#task-{self.pk}"
