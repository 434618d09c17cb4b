from django import forms

from members.files import ALLOWED_LABEL
from members.forms import MaterialsField
from members.idempotency import TokenFormMixin
from members.models import Unit

from .models import Escalation, Light, Task

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
INVALID_DATE = "日期格式不正确，请按“2026-06-25”的格式填写。"


class DutySearchForm(forms.Form):
    q = forms.CharField(label="搜索职责", max_length=50, required=False, strip=True)


class TaskFilterForm(forms.Form):
    q = forms.CharField(label="搜索", max_length=50, required=False)
    unit = forms.ModelChoiceField(
        label="单位",
        queryset=Unit.objects.filter(active=True),
        required=False,
        empty_label="全部单位",
    )
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部状态"), *Task.Status.choices], required=False
    )
    light = forms.ChoiceField(label="灯", choices=[("", "全部"), *Light.choices], required=False)
    source = forms.ChoiceField(
        label="来源", choices=[("", "全部来源"), *Task.Source.choices], required=False
    )
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    level = forms.TypedChoiceField(
        label="督办方式",
        choices=[("", "全部"), *Escalation.Level.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    sort = forms.ChoiceField(
        label="排序",
        choices=[
            ("deadline", "时限由近及远"),
            ("-deadline", "时限由远及近"),
            ("-created", "最新交办"),
        ],
        required=False,
    )

    def __init__(self, *args, years=(), units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年度"), *[(y, f"{y}年") for y in years]]
        if units is not None:
            self.fields["unit"].queryset = units


class TaskForm(TokenFormMixin, forms.Form):
    title = forms.CharField(
        label="督办事项",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写督办事项。"},
    )
    lead_unit = forms.ModelChoiceField(
        label="牵头单位",
        queryset=Unit.objects.filter(active=True),
        empty_label="（请选择）",
        error_messages={"required": "请选择牵头单位。"},
    )
    responsible_units = forms.ModelMultipleChoiceField(
        label="责任单位",
        queryset=Unit.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "unit-choice"}),
    )
    deadline = forms.DateField(
        label="完成时限", widget=DATE, required=False, error_messages={"invalid": INVALID_DATE}
    )
    source_label = forms.CharField(
        label="来源说明", max_length=200, required=False, help_text="如：旗政府督查通知、领导批示"
    )


class FeedbackForm(TokenFormMixin, forms.Form):
    text = forms.CharField(
        label="进展情况",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "请填写进展情况。"},
    )
    date = forms.DateField(
        label="反馈日期",
        widget=DATE,
        error_messages={"required": "请填写反馈日期。", "invalid": INVALID_DATE},
    )
    files = MaterialsField(label="附件", help_text=f"可多选；{ALLOWED_LABEL}，每个不超过 20 MB。")


class ExtensionForm(TokenFormMixin, forms.Form):
    new_deadline = forms.DateField(
        label="申请延至",
        widget=DATE,
        error_messages={"required": "请填写申请延至的日期。", "invalid": INVALID_DATE},
    )
    reason = forms.CharField(
        label="延期理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "请写明延期理由。"},
    )


class DecideExtensionForm(forms.Form):
    decision = forms.ChoiceField(
        label="审批意见",
        choices=[("approve", "同意延期"), ("refuse", "不同意")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择同意或不同意。"},
    )
    comment = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseTaskForm(TokenFormMixin, forms.Form):
    reason = forms.CharField(
        label="销号理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "请写明销号理由。"},
    )


class EscalationForm(TokenFormMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label="被督办单位",
        queryset=Unit.objects.none(),
        empty_label="（请选择）",
        error_messages={"required": "请选择被督办单位。"},
    )
    level = forms.TypedChoiceField(label="督办方式", choices=Escalation.Level.choices, coerce=int)
    date = forms.DateField(
        label="日期",
        widget=DATE,
        error_messages={"required": "请填写日期。", "invalid": INVALID_DATE},
    )
    content = forms.CharField(
        label="内容",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="通报事由、约谈记录或挂牌督办要求",
        error_messages={"required": "请填写督办内容。"},
    )
    attendees = forms.CharField(label="参加约谈人员（约谈）", max_length=500, required=False)
    agreed = forms.CharField(
        label="约谈议定（约谈）",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    rectify_by = forms.DateField(
        label="限期整改日期（挂牌督办）",
        widget=DATE,
        required=False,
        error_messages={"invalid": INVALID_DATE},
    )

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task is not None:
            self.fields["unit"].queryset = Unit.objects.filter(task_parts__task=task)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label="整改结果",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        error_messages={"required": "请填写整改结果。"},
    )
