from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from duties.models import Duty
from members.files import ALLOWED_LABEL
from members.forms import MaterialsField
from members.idempotency import TokenFormMixin
from members.models import Seat, Unit

from . import privacy
from .models import Attendance, Meeting, Opinion, Reply

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
INVALID_DATE = "日期格式不正确，请按“2026-06-25”的格式填写。"
INVALID_DATETIME = "时间格式不正确，请按“2026-06-25 09:30”的格式填写。"


UNIT_GROUPS = [
    (Unit.Kind.DEPARTMENT, "旗直部门"),
    (Unit.Kind.MASS_ORGANISATION, "群团组织"),
    (Unit.Kind.TOWN, "镇人民政府"),
    (Unit.Kind.GOVERNMENT_OFFICE, "旗人民政府及办公室"),
    (Unit.Kind.GOVERNMENT, "旗人民政府及办公室"),
]


class GroupedUnitsWidget(forms.SelectMultiple):
    """Units as checkboxes grouped by kind (旗直部门, 群团组织, 镇人民政府…) inside one collapsed
    <details> whose summary names what is chosen: 29 units take one line until it is opened.
    Plain HTML; static/js/unit-picker.js only keeps the summary up to date."""

    template_name = "meetings/widgets/grouped_units.html"
    option_template_name = "django/forms/widgets/checkbox_option.html"
    input_type = "checkbox"
    option_inherits_attrs = True  # each checkbox gets its own id (id_…_0_1), for its label
    add_id_index = True

    def use_required_attribute(self, initial):
        return False

    def _render(self, template_name, context, renderer=None):
        # The project's templates/ (Django's default form renderer only reads the apps' and
        # Django's own widget templates).
        return mark_safe(render_to_string(template_name, context))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        groups = []
        for group_name, options, _index in context["widget"]["optgroups"]:
            chosen = [o["label"] for o in options if o["selected"]]
            groups.append({"name": group_name, "options": options, "chosen": chosen})
        context["widget"]["groups"] = groups
        context["widget"]["chosen_count"] = sum(len(g["chosen"]) for g in groups)
        return context


class GroupedUnitIterator(ModelChoiceIterator):
    """The units grouped by kind, lazily, like Django's own iterator (no query at import)."""

    def __iter__(self):
        label = dict(UNIT_GROUPS)
        grouped: dict[str, list] = {}
        for unit in self.queryset:
            grouped.setdefault(label.get(unit.kind, "其他"), []).append(self.choice(unit))
        for name in [*dict.fromkeys(label.values()), "其他"]:
            if name in grouped:
                yield name, grouped[name]


class GroupedUnitsField(forms.ModelMultipleChoiceField):
    widget = GroupedUnitsWidget
    iterator = GroupedUnitIterator

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "data_label": self.label}

    def __init__(self, queryset=None, **kwargs):
        super().__init__(queryset if queryset is not None else Unit.objects.none(), **kwargs)


class ConfirmPersonalDataMixin:
    """A name or address that matches an urgent case is refused unless the office confirms, per
    hit, that it is not that person (meetings/privacy.py). The checkboxes appear only after such a
    refusal; the service checks the confirmations against what it finds again."""

    def add_confirm_field(self):
        posted = self.data.getlist("confirm_personal") if self.is_bound else []
        self.fields["confirm_personal"] = forms.MultipleChoiceField(
            label="确认不是个案当事人",
            required=False,
            choices=[(v, v) for v in posted],
            widget=forms.MultipleHiddenInput,
        )

    def offer_confirmations(self, hits):
        field = self.fields["confirm_personal"]
        field.choices = [
            (privacy.confirmation_choice(h), f"「{h.text}」（{h.field}）不是该个案的{h.kind}")
            for h in hits
        ]
        field.widget = forms.CheckboxSelectMultiple(choices=field.choices)

    def confirmed(self):
        return self.cleaned_data.get("confirm_personal") or []


class AgendaItemForm(TokenFormMixin, ConfirmPersonalDataMixin, forms.Form):
    title = forms.CharField(
        label="议题名称", max_length=200, error_messages={"required": "请填写议题名称。"}
    )
    background = forms.CharField(
        label="背景情况",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写背景情况。"},
    )
    proposal = forms.CharField(
        label="建议方案",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写建议方案。"},
    )
    duty = forms.ModelChoiceField(
        label="所依职责",
        queryset=Duty.objects.none(),
        required=False,
        empty_label="（请选择本单位的职责）",
        error_messages={"invalid_choice": "所依职责须是本单位在《制度》中的职责。"},
    )
    materials = MaterialsField(
        label="材料", help_text=f"可多选；只接受 {ALLOWED_LABEL}，每个不超过 20 MB。"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_confirm_field()
        self.fields["duty"].queryset = Duty.objects.for_unit(unit)
        self.fields["duty"].label_from_instance = lambda d: (
            f"{d.number}.{d.subject}：{d.text[:40]}…"
        )


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        label="审核结果",
        choices=[("accept", "受理"), ("return", "退回修改"), ("reject", "不予受理")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择审核结果。"},
    )
    comment = forms.CharField(
        label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ScheduleForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label="列入会议",
        queryset=Meeting.objects.filter(status__in=[Meeting.Status.DRAFT, Meeting.Status.NOTIFIED]),
        empty_label="（请选择会议）",
        error_messages={"required": "请选择会议。", "invalid_choice": "该会议不能再增加议题。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].label_from_instance = lambda m: m.label


class MeetingForm(TokenFormMixin, ConfirmPersonalDataMixin, forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=Meeting.Kind.choices)
    title = forms.CharField(
        label="会议名称", max_length=200, error_messages={"required": "请填写会议名称。"}
    )
    starts_at = forms.DateTimeField(
        label="会议时间",
        widget=DATETIME,
        input_formats=DATETIME_FORMATS,
        error_messages={"required": "请填写会议时间。", "invalid": INVALID_DATETIME},
    )
    place = forms.CharField(
        label="会议地点", max_length=200, required=False, help_text="书面审议不填"
    )
    convener_seat = forms.ModelChoiceField(
        label="召集人（全体会议）",
        queryset=Seat.objects.filter(role__in=[Seat.Role.LEADER, Seat.Role.DEPUTY]),
        required=False,
        empty_label="（专题会议、书面审议由办公室召集）",
    )
    host_seat = forms.ModelChoiceField(
        label="主持人（全体会议）",
        queryset=Seat.objects.filter(role__in=[Seat.Role.LEADER, Seat.Role.DEPUTY]),
        required=False,
        empty_label="（同召集人）",
        help_text="会议当天在任的组长或副组长印在纪要上。",
    )
    host_name = forms.CharField(label="主持人姓名（专题会议）", max_length=30, required=False)
    host_post = forms.CharField(
        label="主持人单位及职务（专题会议）",
        max_length=120,
        required=False,
        help_text="如：旗民政局副局长",
    )
    invited_units = forms.ModelMultipleChoiceField(
        label="参会单位（专题会议、书面审议）",
        queryset=Unit.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="全体会议自动邀请全部成员单位。",
    )
    opinion_deadline = forms.DateTimeField(
        label="书面意见截止时间",
        widget=DATETIME,
        input_formats=DATETIME_FORMATS,
        required=False,
        error_messages={"invalid": INVALID_DATETIME},
    )
    change_reason = forms.CharField(
        label="变更原因",
        max_length=200,
        required=False,
        help_text="已发通知的会议改时间、地点或截止时间时必填，参会单位会收到变更通知。",
        error_messages={"max_length": "变更原因最多 200 个字。"},
    )

    def __init__(self, *args, fixed_kind=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_confirm_field()
        seat_label = {s.pk: s for s in self.fields["convener_seat"].queryset}
        self.fields["convener_seat"].label_from_instance = lambda s: (
            f"{s.get_role_display()} {(s.current_tenure.person.name if s.current_tenure else '')}"
            if s.pk in seat_label
            else str(s)
        )
        self.fields["host_seat"].label_from_instance = self.fields[
            "convener_seat"
        ].label_from_instance
        if fixed_kind:
            self.fields["kind"].disabled = True
        else:
            del self.fields["change_reason"]  # a new meeting has no notice to change

    def clean(self):
        data = super().clean()
        if data.get("kind") == Meeting.Kind.SPECIAL and not (data.get("host_name") or "").strip():
            self.add_error("host_name", "专题会议请填写主持人（由办公室指定）。")
        return data


class AttendanceRowForm(forms.Form):
    status = forms.ChoiceField(
        label="出席情况",
        choices=[c for c in Attendance.Status.choices if c[0] != Attendance.Status.OBSERVER],
    )
    delegate_name = forms.CharField(label="受委托人", max_length=30, required=False)
    delegate_post = forms.CharField(label="受委托人职务", max_length=120, required=False)


class ObserverForm(forms.Form):
    name = forms.CharField(
        label="列席人员姓名", max_length=30, error_messages={"required": "请填写姓名。"}
    )
    unit = forms.ModelChoiceField(
        label="单位",
        queryset=Unit.objects.filter(active=True),
        required=False,
        empty_label="（非成员单位：写在职务里）",
    )
    post = forms.CharField(
        label="职务", max_length=120, error_messages={"required": "请填写职务。"}
    )


class OpinionForm(TokenFormMixin, forms.Form):
    choice = forms.ChoiceField(
        label="本单位意见",
        choices=Opinion.Choice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择同意、不同意或提出意见。"},
    )
    text = forms.CharField(
        label="具体意见", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class MinutesForm(TokenFormMixin, ConfirmPersonalDataMixin, forms.Form):
    summary = forms.CharField(
        label="会议概况", required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    distribute = forms.ChoiceField(
        label="分送",
        choices=[("all", "各成员单位（全部）"), ("part", "只分送部分成员单位")],
        initial="all",
        required=False,  # not posted: every member unit
        widget=forms.RadioSelect,
    )
    narrowed_units = GroupedUnitsField(label="分送单位", required=False)
    narrow_reason = forms.CharField(
        label="缩小分送范围的原因",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    copy_extra = forms.CharField(
        label="其他抄送单位",
        required=False,
        max_length=200,
        help_text="旗人民政府办公室总是抄送；系统外的单位（如 鄂尔多斯市民政局）写在这里，用顿号分隔。",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, member_units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_confirm_field()
        if member_units is not None:
            self.fields["narrowed_units"].queryset = member_units

    def clean(self):
        data = super().clean()
        if data.get("distribute") == "part":
            if not data.get("narrowed_units"):
                self.add_error("narrowed_units", "请选择分送的单位。")
            if not (data.get("narrow_reason") or "").strip():
                self.add_error("narrow_reason", "只分送部分成员单位时，请写明原因。")
        return data

    def distribution(self):
        from .services import DistributionData

        data = self.cleaned_data
        part = data.get("distribute") == "part"
        return DistributionData(
            narrowed_units=list(data.get("narrowed_units") or []) if part else [],
            reason=data.get("narrow_reason", "") if part else "",
            copy_extra=data.get("copy_extra", ""),
        )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label="议定事项",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        error_messages={"required": "请填写议定事项。"},
    )
    lead_unit = forms.ModelChoiceField(
        label="牵头单位",
        queryset=Unit.objects.filter(active=True),
        empty_label="（请选择）",
        error_messages={"required": "请选择牵头单位。"},
    )
    responsible_units = GroupedUnitsField(
        label="责任单位",
        queryset=Unit.objects.filter(active=True),
        required=False,
    )
    deadline = forms.DateField(
        label="完成时限", widget=DATE, required=False, error_messages={"invalid": INVALID_DATE}
    )


class BaseDecisionFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        for form in self.forms:
            if not form.has_changed() or self.can_delete and self._should_delete_form(form):
                continue
            if not form.cleaned_data.get("lead_unit"):
                raise ValidationError("每个议定事项都要有牵头单位。")


DecisionFormSet = forms.formset_factory(
    DecisionForm, formset=BaseDecisionFormSet, extra=1, can_delete=True
)


class IssueConfirmForm(ConfirmPersonalDataMixin, forms.Form):
    """印发前确认: the check at issuance found names that match a case; the office confirms, per
    hit, that each is someone else (e.g. an official named like an applicant)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_confirm_field()


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="意见", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ReplyForm(forms.Form):
    """会议回执 of the liaison's unit."""

    answer = forms.ChoiceField(
        label="本单位回执",
        choices=Reply.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择出席、委托出席或请假。",
            "invalid_choice": "请选择出席、委托出席或请假。",
        },
    )
    delegate_name = forms.CharField(
        label="受委托人姓名（委托出席）",
        max_length=30,
        required=False,
        error_messages={"max_length": "姓名最多 30 个字。"},
    )
    delegate_post = forms.CharField(
        label="受委托人职务（委托出席）",
        max_length=120,
        required=False,
        error_messages={"max_length": "职务最多 120 个字。"},
    )
    reason = forms.CharField(
        label="请假事由（请假）",
        max_length=200,
        required=False,
        error_messages={"max_length": "请假事由最多 200 个字。"},
    )


# --- 核验 (meetings/verification.py) -------------------------------------------------------------


class VerifyFileForm(forms.Form):
    file = forms.FileField(
        label="纪要 PDF 文件",
        help_text="选择收到的纪要 PDF 原件。文件只用来核验，不会保存。",
        error_messages={"required": "请选择要核验的文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        if upload.size > settings.VERIFY_MAX_BYTES:
            limit = settings.VERIFY_MAX_BYTES // (1024 * 1024)
            raise ValidationError(
                f"文件超过 {limit} MB，不是本系统印发的纪要（纪要 PDF 通常不到 1 MB），未核验。"
            )
        return upload


class VerifyDigestForm(forms.Form):
    number = forms.CharField(
        label="期号",
        max_length=40,
        help_text="如“〔2026〕第1期”，也可写作“2026-1”。",
        error_messages={"required": "请填写期号。", "max_length": "期号最多 40 个字。"},
    )
    sha256 = forms.CharField(
        label="SHA-256",
        max_length=200,
        help_text="64 位十六进制数字，可用 sha256sum、certutil -hashfile 文件名 SHA256 等工具算出。",
        error_messages={
            "required": "请填写 SHA-256。",
            "max_length": "SHA-256 是 64 位十六进制数字。",
        },
    )

    def clean_number(self):
        from .verification import parse_number

        parsed = parse_number(self.cleaned_data["number"])
        if parsed is None:
            raise ValidationError("期号的格式是“〔2026〕第1期”（年份和期数）。")
        return parsed

    def clean_sha256(self):
        from .verification import SHA256, normalise_sha256

        value = normalise_sha256(self.cleaned_data["sha256"])
        if not SHA256.match(value):
            raise ValidationError("SHA-256 应是 64 位十六进制数字（0–9、a–f）。")
        return value
