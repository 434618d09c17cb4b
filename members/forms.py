from django import forms

from .files import check_upload
from .idempotency import TokenFormMixin
from .models import SUCCESSION_BASIS


class RosterDateForm(forms.Form):
    date = forms.DateField(
        label="查看日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式不正确，请按“2026-06-25”的格式填写。"},
    )


class SuccessionForm(TokenFormMixin, forms.Form):
    name = forms.CharField(
        label="继任者姓名",
        max_length=30,
        error_messages={"required": "请填写继任者姓名。", "max_length": "姓名最多 30 个字。"},
    )
    post = forms.CharField(
        label="职务",
        max_length=120,
        help_text="按任职文件写全称，如“旗民政局局长”。",
        error_messages={"required": "请填写继任者职务。", "max_length": "职务最多 120 个字。"},
    )
    start = forms.DateField(
        label="接任日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "请填写接任日期。",
            "invalid": "日期格式不正确，请按“2026-06-25”的格式填写。",
        },
    )
    basis = forms.CharField(
        label="依据",
        max_length=100,
        initial=SUCCESSION_BASIS,
        help_text="默认“工作变动自然接任”，不再另行发文。",
        error_messages={"required": "请填写依据。", "max_length": "依据最多 100 个字。"},
    )

    def clean_name(self):
        name = "".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("请填写继任者姓名。")
        return name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MaterialsField(forms.FileField):
    """Several files at once, each checked by name, size and content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        single = super().clean
        cleaned = [single(f, initial) for f in files if f]
        for f in cleaned:
            check_upload(f)
        return cleaned


def form_errors(form) -> str:
    """All of a form's error messages in one line, for a flash message after a refused POST."""
    return " ".join(e for errs in form.errors.values() for e in errs)


class NotifySettingsForm(forms.Form):
    """通知方式: where a user's notifications go. E-mail needs an address to send to."""

    email = forms.EmailField(
        label="电子邮箱",
        required=False,
        max_length=254,
        help_text="政务内网邮箱，如 zhangsan@ejhlq.gov.cn。",
        error_messages={
            "invalid": "邮箱地址格式不正确，请按 zhangsan@ejhlq.gov.cn 的格式填写。",
            "max_length": "邮箱地址最多 254 个字符。",
        },
    )
    notify_by = forms.ChoiceField(
        label="通知方式",
        choices=[("site", "仅站内消息"), ("email", "站内消息 + 邮件")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择通知方式。", "invalid_choice": "请选择通知方式。"},
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("notify_by") == "email"
            and not data.get("email")
            and "email" not in self.errors
        ):
            self.add_error("email", "选择“站内消息 + 邮件”时请填写电子邮箱。")
        return data


class CalendarDayForm(forms.Form):
    """工作日调整: a day the office declares a day off or a working day."""

    date = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "请填写日期。",
            "invalid": "日期格式不正确，请按“2026-06-25”的格式填写。",
        },
    )
    is_working_day = forms.TypedChoiceField(
        label="这一天",
        choices=[("0", "休息"), ("1", "上班")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": "请选择休息或上班。", "invalid_choice": "请选择休息或上班。"},
    )
    note = forms.CharField(
        label="说明",
        max_length=60,
        required=False,
        help_text="如：旗庆放假、集中办公。",
        error_messages={"max_length": "说明最多 60 个字。"},
    )
