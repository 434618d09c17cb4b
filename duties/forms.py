from decimal import Decimal

from django import forms

from members.files import ALLOWED_LABEL
from members.forms import MaterialsField
from members.idempotency import TokenFormMixin
from members.models import Unit

from .figures import NOTE_MAX_LENGTH, FigureError, format_figure, parse_figure
from .models import Duty, Escalation, Indicator, Light, Policy, ReportRound, Task

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


# --- 救助信息报送 ---------------------------------------------------------------------------------


class IndicatorForm(TokenFormMixin, forms.Form):
    name = forms.CharField(label="指标名称", max_length=60)
    measure = forms.ChoiceField(label="计量单位", choices=Indicator.Measure.choices)
    kind = forms.ChoiceField(label="数值类型", choices=Indicator.Kind.choices)
    unit_kinds = forms.MultipleChoiceField(
        label="报送单位类别",
        choices=Unit.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择报送本指标的单位类别。"},
    )
    help_text = forms.CharField(label="填报说明", max_length=300, required=False)
    order = forms.IntegerField(label="排序", min_value=0, max_value=999, initial=0)


class RoundForm(TokenFormMixin, forms.Form):
    period = forms.ChoiceField(label="周期", choices=ReportRound.Period.choices)
    year = forms.IntegerField(
        label="年度", min_value=2000, max_value=2100, error_messages={"invalid": "请填写年度。"}
    )
    number = forms.IntegerField(
        label="期次",
        min_value=1,
        max_value=12,
        help_text="月度填月份 1–12，季度填 1–4，半年填 1（上半年）或 2，年度填 1",
    )
    deadline = forms.DateField(
        label="报送截止日期", widget=DATE, error_messages={"invalid": INVALID_DATE}
    )
    units = forms.ModelMultipleChoiceField(
        label="报送单位",
        queryset=Unit.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "unit-choice"}),
        error_messages={"required": "请选择报送单位。"},
    )
    indicators = forms.ModelMultipleChoiceField(
        label="报送指标",
        queryset=Indicator.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        help_text="每个单位只报送适用于本单位类别的指标",
        error_messages={"required": "请选择报送指标。"},
    )


class ReportForm(TokenFormMixin, forms.Form):
    """One field per figure asked of the unit, labelled with its unit of measure."""

    note = forms.CharField(
        label="填报说明",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"填报说明不能超过 {NOTE_MAX_LENGTH} 字。"},
    )
    files = MaterialsField(
        label="本单位台账", help_text=f"可多选；{ALLOWED_LABEL}，每个不超过 20 MB。"
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            indicator = line.indicator
            self.fields[self.field_name(line)] = forms.CharField(
                label=f"{indicator.name}（{indicator.measure}）",
                required=False,
                max_length=30,
                initial="" if line.value is None else format_figure(indicator, line.value),
                help_text=indicator.help_text,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                error_messages={"max_length": f"{indicator.name}：不是数字"},
            )
        self.order_fields([self.field_name(line) for line in self.lines])

    @staticmethod
    def field_name(line) -> str:
        return f"figure_{line.indicator_id}"

    def clean(self):
        data = super().clean()
        for line in self.lines:
            name = self.field_name(line)
            if name in data:
                try:
                    parse_figure(line.indicator, data[name])
                except FigureError as e:
                    self.add_error(name, f"{line.indicator.name}：{e}")
        return data

    def figures(self) -> dict:
        return {
            line.indicator_id: self.cleaned_data.get(self.field_name(line)) for line in self.lines
        }

    def figure_fields(self):
        return [self[self.field_name(line)] for line in self.lines]


class ImportForm(TokenFormMixin, forms.Form):
    upload = forms.FileField(
        label="填好的 Excel 模板", error_messages={"required": "请选择填好的 Excel 文件。"}
    )


class ReturnReportForm(forms.Form):
    comment = forms.CharField(
        label="退回意见",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX_LENGTH,
        error_messages={"required": "退回时请写明需要修改的地方。"},
    )


class StatisticsForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label="指标走势",
        queryset=Indicator.objects.all(),
        required=False,
        empty_label="（选择指标）",
    )


# --- 政策清单 -------------------------------------------------------------------------------------


class PolicyFilterForm(forms.Form):
    q = forms.CharField(label="搜索", max_length=50, required=False)
    unit = forms.ModelChoiceField(
        label="单位",
        queryset=Unit.objects.filter(active=True),
        required=False,
        empty_label="全部单位",
    )
    category = forms.ChoiceField(
        label="救助类别", choices=[("", "全部类别"), *Policy.Category.choices], required=False
    )
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部状态"), *Policy.Status.choices], required=False
    )


class PolicyForm(TokenFormMixin, forms.Form):
    title = forms.CharField(label="文件名称", max_length=200)
    doc_number = forms.CharField(
        label="文号", max_length=60, required=False, help_text="如 伊政办发〔2023〕12号"
    )
    issuer = forms.CharField(label="发文机关", max_length=100)
    issued_on = forms.DateField(
        label="发布日期", widget=DATE, error_messages={"invalid": INVALID_DATE}
    )
    effective_from = forms.DateField(
        label="施行日期", widget=DATE, required=False, error_messages={"invalid": INVALID_DATE}
    )
    effective_until = forms.DateField(
        label="有效期至", widget=DATE, required=False, error_messages={"invalid": INVALID_DATE}
    )
    status = forms.ChoiceField(label="状态", choices=Policy.Status.choices)
    revised_by = forms.ModelChoiceField(
        label="修订后的文件（已修订时）",
        queryset=Policy.objects.none(),
        required=False,
        empty_label="（无）",
    )
    category = forms.ChoiceField(label="救助类别", choices=Policy.Category.choices)
    duties = forms.ModelMultipleChoiceField(
        label="落实的职责",
        queryset=Duty.objects.filter(category=Duty.Category.DEPARTMENT),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label="主要内容", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = MaterialsField(label="文件原文", help_text=f"{ALLOWED_LABEL}，每个不超过 20 MB。")

    def __init__(self, *args, unit=None, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = Policy.objects.filter(unit=unit) if unit is not None else Policy.objects.none()
        if policy is not None:
            others = others.exclude(pk=policy.pk)
        self.fields["revised_by"].queryset = others
        if unit is not None:
            self.fields["duties"].queryset = Duty.objects.for_unit(unit)
        self.fields["duties"].label_from_instance = lambda d: f"{d.number}. {d.text[:40]}…"


class PolicyReviewForm(TokenFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    deadline = forms.DateField(
        label="确认截止日期", widget=DATE, error_messages={"invalid": INVALID_DATE}
    )


class ConfirmPoliciesForm(TokenFormMixin, forms.Form):
    note = forms.CharField(
        label="说明（可不填）",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- 年度考评 -------------------------------------------------------------------------------------


class SchemeForm(TokenFormMixin, forms.Form):
    year = forms.IntegerField(label="考评年度", min_value=2000, max_value=2100)


class SchemeItemsForm(forms.Form):
    """One weight per indicator, and the grade thresholds."""

    excellent_from = forms.DecimalField(
        label="优秀分数线", min_value=0, max_value=100, decimal_places=2
    )
    good_from = forms.DecimalField(label="良好分数线", min_value=0, max_value=100, decimal_places=2)
    pass_from = forms.DecimalField(label="合格分数线", min_value=0, max_value=100, decimal_places=2)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"weight_{item.pk}"] = forms.DecimalField(
                label=f"{item.name}（分值）",
                min_value=Decimal("0.01"),
                max_value=100,
                decimal_places=2,
                initial=item.weight,
            )

    def weights(self) -> dict:
        return {item.pk: self.cleaned_data[f"weight_{item.pk}"] for item in self.items}


class ManualScoreForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="单位", queryset=Unit.objects.filter(active=True), empty_label="（请选择）"
    )
    score = forms.DecimalField(label="得分", min_value=0, max_value=100, decimal_places=2)
    note = forms.CharField(
        label="评分理由", max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class VetoForm(TokenFormMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label="单位", queryset=Unit.objects.filter(active=True), empty_label="（请选择）"
    )
    reason = forms.CharField(
        label="否决理由", max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    files = MaterialsField(label="依据材料", help_text=f"{ALLOWED_LABEL}，至少一个。")


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="意见",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
