from django import forms
from django.core.exceptions import ValidationError

from meetings.models import Meeting
from members.files import ALLOWED_LABEL
from members.forms import MaterialsField
from members.idempotency import TokenFormMixin
from members.models import Unit

from .identity import InvalidID, validate_id, validate_phone
from .models import Case, Verification

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
INVALID_DATE = "日期格式不正确，请按“2026-06-25”的格式填写。"


class IDNumberField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("error_messages", {"required": "请填写身份证号。"})
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value and not self.required:
            return value
        try:
            return validate_id(value)
        except InvalidID as e:
            raise ValidationError(str(e)) from e


class CaseForm(TokenFormMixin, forms.Form):
    applicant = forms.CharField(
        label="申请人姓名", max_length=30, error_messages={"required": "请填写申请人姓名。"}
    )
    id_number = IDNumberField(label="身份证号")
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    town = forms.ModelChoiceField(
        label="所在镇",
        queryset=Unit.objects.filter(kind=Unit.Kind.TOWN, active=True),
        empty_label="（请选择）",
        error_messages={"required": "请选择申请人所在的镇。"},
    )
    address = forms.CharField(
        label="住址", max_length=200, error_messages={"required": "请填写住址。"}
    )
    category = forms.ChoiceField(label="困难类别", choices=Case.Category.choices)
    found_by = forms.ChoiceField(label="发现方式", choices=Case.Found.choices)
    urgency = forms.ChoiceField(
        label="紧急程度", choices=Case.Urgency.choices, initial=Case.Urgency.URGENT
    )
    facts = forms.CharField(
        label="困难情况",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "请填写困难情况。"},
    )
    requested_help = forms.CharField(
        label="救助诉求",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "请填写救助诉求。"},
    )
    files = MaterialsField(
        label="材料",
        help_text=f"申请书、诊断证明等；{ALLOWED_LABEL}，每个不超过 20 MB。",
    )

    def __init__(self, *args, town=None, **kwargs):
        super().__init__(*args, **kwargs)
        if town is not None:  # a town's liaison registers for its own town only
            self.fields["town"].queryset = Unit.objects.filter(pk=town.pk)
            self.fields["town"].initial = town

    def clean_phone(self):
        try:
            return validate_phone(self.cleaned_data["phone"])
        except InvalidID as e:
            raise ValidationError(str(e)) from e


class MemberForm(forms.Form):
    """One household member; a row left blank is skipped, a row begun must be complete."""

    name = forms.CharField(label="姓名", max_length=30, required=False)
    relation = forms.CharField(label="与申请人关系", max_length=20, required=False)
    id_number = IDNumberField(label="身份证号", required=False)
    condition = forms.CharField(label="健康/就业等情况", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if any(data.get(f) for f in ("name", "relation", "id_number", "condition")):
            for f, label in (
                ("name", "姓名"),
                ("relation", "与申请人关系"),
                ("id_number", "身份证号"),
            ):
                if not data.get(f) and f not in self.errors:
                    self.add_error(f, f"请填写家庭成员的{label}。")
        return data


MemberFormSet = forms.formset_factory(MemberForm, extra=6, max_num=20)


class VerificationForm(TokenFormMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label="核对单位",
        queryset=Unit.objects.filter(active=True),
        empty_label="（请选择）",
        error_messages={"required": "请选择核对单位。"},
    )
    subject = forms.CharField(
        label="核对事项",
        max_length=100,
        help_text="如：户籍、车辆；房产；纳税；社保、就业",
        error_messages={"required": "请填写核对事项。"},
    )
    question = forms.CharField(
        label="核对要求", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    shown_fields = forms.MultipleChoiceField(
        label="核对单位可以查看的个人信息",
        choices=Verification.Field.choices,
        initial=Verification.DEFAULT_FIELDS,
        widget=forms.CheckboxSelectMultiple,
        help_text="只选核对需要的：户籍、房产、纳税、社保核对一般只需姓名和身份证号。",
        error_messages={
            "required": "请至少选择一项核对单位可以查看的个人信息。",
            "invalid_choice": "可查看的个人信息中有无效的选项。",
        },
    )


class AnswerForm(TokenFormMixin, forms.Form):
    answer = forms.CharField(
        label="核对结果",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "请填写核对结果。"},
    )


class SubmitForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label="提请审议的会议",
        queryset=Meeting.objects.filter(
            kind__in=[Meeting.Kind.SPECIAL, Meeting.Kind.WRITTEN],
            status__in=[Meeting.Status.DRAFT, Meeting.Status.NOTIFIED],
        ),
        empty_label="（请选择专题会议或书面审议）",
        error_messages={"required": "请选择会议。", "invalid_choice": "该会议不能再增加议题。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].label_from_instance = lambda m: m.label


class MeasureForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="落实单位", queryset=Unit.objects.filter(active=True), empty_label="（请选择）"
    )
    description = forms.CharField(
        label="措施内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.DecimalField(
        label="金额（元）", required=False, min_value=0.01, max_digits=12, decimal_places=2
    )
    deadline = forms.DateField(
        label="完成时限", widget=DATE, error_messages={"invalid": INVALID_DATE}
    )


MeasureFormSet = forms.formset_factory(MeasureForm, extra=3, max_num=20)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="不予救助理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "请写明不予救助的理由。"},
    )


class PersonalDataForm(forms.Form):
    """The office corrects the applicant's personal data (the step log records which fields)."""

    applicant = forms.CharField(
        label="申请人姓名", max_length=30, error_messages={"required": "请填写申请人姓名。"}
    )
    id_number = IDNumberField(label="身份证号")
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    address = forms.CharField(
        label="住址", max_length=200, error_messages={"required": "请填写住址。"}
    )

    def clean_phone(self):
        try:
            return validate_phone(self.cleaned_data["phone"])
        except InvalidID as e:
            raise ValidationError(str(e)) from e


class MemberIdentityForm(forms.Form):
    """One household member's name and ID number, on the office's edit page."""

    name = forms.CharField(
        label="姓名", max_length=30, error_messages={"required": "请填写家庭成员的姓名。"}
    )
    id_number = IDNumberField(label="身份证号")
