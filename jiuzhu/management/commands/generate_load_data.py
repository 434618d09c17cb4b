"""Ten years of a busy county, for the load benchmark (issue 7): `manage.py generate_load_data`.

It writes what the real services would have left behind — statuses and their steps, gapless
numbers (members.Sequence `minutes-2025`, `case-2025`, `escalation-1-2025`), one part per unit for
every task, distribution and acknowledgement, the holder of every seat over time, and the
django-simple-history rows of each change — but with bulk_create: going through the services one
object at a time would take hours. Fictitious people with well-formed ID numbers
(cases.identity.make_id); the charter's real units, seats and duties.

Issued minutes share one real PDF: rendered once by meetings.pdf.render_minutes_pdf, stored once,
its SHA-256 on every issued row, so a download is checked and served as for any issued minutes.
"""

import datetime
import hashlib
import random
import time
from bisect import bisect_right
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cases.identity import make_id
from cases.models import (
    AccessLog,
    Case,
    CaseStep,
    HouseholdMember,
    Measure,
    Verification,
    deidentify,
)
from duties.models import Duty, Escalation, Extension, Feedback, Task, TaskUnit
from meetings.models import (
    AgendaItem,
    AgendaStep,
    Attendance,
    Decision,
    Distribution,
    Download,
    Meeting,
    Minutes,
    MinutesStep,
    Opinion,
)
from meetings.services import COPY_UNIT_NAME
from members.models import SUCCESSION_BASIS, Liaison, Person, Seat, Sequence, Tenure, Unit, User
from members.permissions import Role

LOAD_PDF_PREFIX = "load-"  # the one PDF that every generated issued minutes shares
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
BATCH = 2000

# Per year of a busy county; ten years give the issue's ≈500 meetings, 5,000 agenda items from the
# units, 10,000 cases and 20,000 tasks.
SPECIAL_PER_YEAR = 37
WRITTEN_PER_YEAR = 13
UNIT_ITEMS_PER_YEAR = 500
CASES_PER_YEAR = 1000
TASKS_PER_YEAR = 2000

# --- words ---------------------------------------------------------------------------------------
# fmt: off
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾"
    "丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱"
    "汤尹黎易常武乔贺赖龚文奇乌云温闫奥"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鹏辉国志宏海波春梅俊峰亮浩"
    "宇晨欣怡涵桐轩荣凤英秀霞建文斌东林瑞祥福贵成德生宝山金花云龙飞虎雪丹颖慧佳琪博毅鑫磊"
)
MONGOLIAN_NAMES = [
    "巴特尔", "乌力吉", "斯琴", "其木格", "萨仁", "那日苏", "额尔敦", "图雅", "苏日娜",
    "阿拉坦", "宝音", "朝鲁", "格日勒", "敖其尔", "乌云", "娜仁花", "满都拉", "孟和",
    "哈斯", "布和",
]
REGIONS = ["150627"] * 8 + ["150602", "150621", "150626", "150622"]
PHONE_PREFIXES = [
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "177", "180", "182", "183", "185", "186", "187", "188",
    "189", "199",
]
VILLAGES = [
    "公尼召嘎查", "新街社区", "王府社区", "布拉格嘎查", "哈沙图社区", "巴音敖包嘎查",
    "掌岗图村", "阿勒腾席热社区", "札萨克村", "纳林希里嘎查", "合同庙村", "呼和陶勒盖嘎查",
    "红庆河村", "苏布尔嘎嘎查", "乌兰木伦社区", "神山村", "伊克柴达木嘎查", "门克庆嘎查",
]
PLACES = ["旗政府四楼第一会议室", "旗民政局三楼会议室", "旗政务服务中心二楼会议室", "旗政府五楼常务会议室"]
SPECIAL_TOPICS = [
    "急难救助个案审议", "急难救助个案审议", "急难救助个案审议", "冬春救助工作",
    "低保扩围增效", "困难群众医疗救助衔接", "防止返贫动态监测", "困境儿童保障",
    "临时救助备用金管理", "防汛救灾救助", "社会救助家庭经济状况核对", "特困人员供养服务",
    "救助资金审计整改", "社会救助服务站建设",
]
WRITTEN_TOPICS = [
    "急难救助个案", "急难救助个案", "急难救助个案", "社会救助资金分配方案",
    "年度社会救助工作要点", "低保标准调整方案", "冬季取暖补贴发放方案",
]
UNIT_TOPICS = {
    "旗民政局": [
        "调整城乡最低生活保障标准", "提高特困人员基本生活标准", "低保边缘家庭认定办法",
        "临时救助备用金管理", "社会救助家庭经济状况核对机制", "困难群众冬季取暖补贴发放",
        "特困人员供养服务机构改造", "流浪乞讨人员救助管理", "低保扩围增效专项行动",
        "社会救助领域群众身边不正之风和腐败问题专项整治",
    ],
    "旗教体局": ["困难家庭学生资助政策衔接", "困难学生教育救助快速响应机制", "残疾儿童送教上门"],
    "旗公安局": ["流浪乞讨人员身份查询与寻亲", "救助申请人户籍车辆信息核对"],
    "旗财政局": ["社会救助资金预算安排", "困难群众救助补助资金绩效评价", "救助资金直达发放"],
    "旗人力资源和社会保障局": ["零就业家庭就业援助", "困难群众公益性岗位安置", "低保家庭成员就业创业扶持"],
    "旗自然资源局": ["救助申请家庭房产信息共享"],
    "旗农牧和水利局": ["防止返贫动态监测与帮扶", "低收入人口常态化帮扶衔接", "脱贫人口社会救助兜底"],
    "旗卫生健康委员会": ["困难群众家庭医生签约服务", "困难群众健康体检", "困难群众突发疾病救治"],
    "旗退役军人事务局": ["困难退役军人帮扶援助"],
    "旗应急管理局": ["自然灾害受灾群众过渡期生活救助", "冬春受灾群众生活救助", "防汛期间困难群众转移安置"],
    "旗医疗保障局": ["困难群众医疗救助倾斜", "重特大疾病医疗保险和救助", "困难群众参保资助"],
    "旗住房保障综合服务中心": ["低收入家庭住房救助", "农村低收入群体住房安全保障", "公租房实物配租困难家庭"],
    "旗税务局": ["救助申请家庭纳税信息核对"],
    "旗总工会": ["困难职工帮扶", "困难职工子女助学"],
    "旗妇联": ["困难妇女儿童关爱帮扶", "单亲困难母亲帮扶"],
    "旗红十字会": ["人道救助与社会救助衔接", "红十字博爱救助"],
    "旗残联": ["困难残疾人生活补贴和重度残疾人护理补贴动态调整", "残疾人康复救助", "残疾人家庭无障碍改造"],
    "旗司法局": ["困难群众法律援助", "社会救助领域矛盾纠纷调处"],
    "旗发展改革和科学技术局": ["社会救助纳入发展规划", "价格上涨与社会救助保障标准联动机制"],
    "旗市场监督管理局": ["救助申请人经营主体登记信息核对"],
    "旗人民政府办公室": ["社会救助工作督查通报", "社会救助政策落实情况督查"],
}
TOWN_TOPICS = ["社会救助服务站建设", "困难群众主动发现机制", "低保动态管理", "冬季困难群众走访慰问", "农村留守老人关爱服务"]
PROBLEMS = [
    "部门间信息共享不及时", "申报审核周期较长", "资金拨付进度偏慢", "政策衔接不够顺畅",
    "基层经办力量不足", "救助对象动态调整不及时", "群众政策知晓率不高",
]
ACTIONS = ["制定具体实施方案", "抓好政策落实", "做好资金保障和发放工作", "完善部门信息共享机制", "开展专项排查", "加强政策宣传", "建立工作台账并按月报送进展"]
OFFICE_TASKS = [
    "社会救助政策落实情况自查", "冬春困难群众生活救助", "低保对象动态复核",
    "社会救助资金专项审计发现问题整改", "困难群众春节走访慰问", "防汛期间困难群众安全转移安置",
    "特困人员供养服务质量检查", "社会救助领域信访问题化解", "“一门受理、协同办理”工作推进",
    "困难群众冬季取暖补贴发放情况核查", "低收入人口动态监测信息比对",
    "社会救助服务站规范化建设",
]
OFFICE_PREFIXES = ["落实旗政府督查通知，开展", "按照领导批示，做好", "开展", "报送", "完成"]
FEEDBACK = [
    "已召开专题会议部署，完成摸底排查{n}户。", "相关资金{a}万元已拨付到位。",
    "已与相关成员单位对接，信息共享工作正常开展。",
    "已按要求完成，相关材料已报联席会议办公室备案。", "已完成阶段性工作，正在组织复核。",
    "已制定实施方案，正在推进落实。", "已入户走访{n}户，建立工作台账。",
]
EXTENSION_REASONS = [
    "涉及多个部门协调，需延长办理时限。", "受资金拨付进度影响，申请延期。",
    "需等待上级政策文件出台后再行落实。", "恰逢防汛救灾任务，人员力量不足，申请延期。",
]
CLOSE_REASONS = ["经核实，该事项已通过其他方式落实，予以销号。", "因政策调整，该事项不再办理，予以销号。"]
CONDITIONS = ["在校学生", "务农", "无业", "患慢性病", "重度残疾", "学龄前儿童", "外出务工", "年老体弱", ""]
DISEASES = ["急性白血病", "尿毒症", "恶性肿瘤", "脑出血", "重症肺炎", "先天性心脏病", "严重烧伤", "再生障碍性贫血"]
HOSPITALS = ["鄂尔多斯市中心医院", "伊金霍洛旗人民医院", "内蒙古医科大学附属医院", "北京大学人民医院"]
INCOMES = ["家庭人均月收入不足{n}元", "家庭主要收入为务农收入", "家庭无其他稳定收入来源", "已享受农村低保"]
VERIFY = {
    "旗公安局": ("户籍、车辆", "经核查，申请人家庭成员户籍信息与申报一致，名下无登记机动车。"),
    "旗自然资源局": ("房产", "经核查，申请人家庭成员名下除现住房外无其他不动产登记。"),
    "旗税务局": ("纳税", "经核查，申请人家庭成员近12个月无纳税记录。"),
    "旗人力资源和社会保障局": ("社保、就业", "经核查，申请人家庭成员无就业登记记录，未领取养老金。"),
    "旗医疗保障局": ("医疗费用报销", "经核查，申请人本年度医疗费用已按规定报销，个人自付部分属实。"),
    "旗市场监督管理局": ("经营主体登记", "经核查，申请人家庭成员名下无经营主体登记。"),
    "旗住房保障综合服务中心": ("保障性住房", "经核查，申请人家庭未享受公租房保障。"),
}
# category -> [(unit name, measure, amount range or None)]
MEASURES = {
    Case.Category.ILLNESS: [
        ("旗民政局", "给予临时救助", (3000, 20000)),
        ("旗医疗保障局", "按规定落实医疗救助", (5000, 50000)),
    ],
    Case.Category.DISASTER: [
        ("旗应急管理局", "给予受灾群众生活救助", (2000, 10000)),
        ("旗民政局", "给予临时救助", (2000, 10000)),
        ("旗住房保障综合服务中心", "优先纳入农村危房改造", None),
    ],
    Case.Category.DISABILITY: [
        ("旗残联", "落实残疾人两项补贴并提供康复服务", None),
        ("旗民政局", "给予临时救助", (2000, 8000)),
    ],
    Case.Category.SCHOOLING: [
        ("旗教体局", "落实学生资助", (2000, 8000)),
        ("旗民政局", "给予临时救助", (2000, 6000)),
    ],
    Case.Category.EMERGENCY: [
        ("旗民政局", "给予临时救助", (5000, 30000)),
        ("旗红十字会", "给予红十字博爱救助", (2000, 5000)),
    ],
    Case.Category.OTHER: [
        ("旗民政局", "给予临时救助", (1000, 6000)),
        ("旗人力资源和社会保障局", "提供公益性岗位就业援助", None),
    ],
}
# fmt: on


def aware(day: datetime.date, hour=9, minute=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


def cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += DAY
    return day


@contextmanager
def given_times():
    """bulk_create would stamp auto_now(_add) fields with the present; history needs the past."""
    changed = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                changed.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in changed:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Progress:
    """One line redrawn in place: 生成负载数据 [██████░░░░]  60%  督办事项  42 s."""

    WIDTH = 30

    def __init__(self, out, phases):
        self.out, self.phases = out, phases
        self.total = sum(weight for _, weight in phases)
        self.before = 0  # weight of the finished phases
        self.index = None
        self.started = time.monotonic()
        self.tty = out.isatty()
        self.shown = None

    def phase(self, index):
        if self.index is not None:
            self.before += self.phases[self.index][1]
        self.index = index
        self.advance(0)

    def advance(self, fraction):
        done = (self.before + self.phases[self.index][1] * min(fraction, 1)) / self.total
        percent = int(done * 100)
        # On a terminal every percent; in a log only each tenth and each new phase.
        key = (self.index, percent if self.tty else percent // 10)
        if key == self.shown:
            return
        self.shown = key
        filled = int(done * self.WIDTH)
        line = (
            f"生成负载数据 [{'█' * filled}{'░' * (self.WIDTH - filled)}] {percent:3d}%  "
            f"{self.phases[self.index][0]:<8}{time.monotonic() - self.started:6.0f} s"
        )
        self.out.write(("\r" + line) if self.tty else line, ending="" if self.tty else "\n")
        self.out.flush()

    def finish(self):
        self.index, self.before = len(self.phases) - 1, self.total - self.phases[-1][1]
        self.advance(1)
        if self.tty:
            self.out.write("")


class History:
    """Historical rows written in bulk, as simple-history would have written them one by one."""

    def __init__(self):
        self.rows = defaultdict(list)
        self.m2m = defaultdict(list)
        self.fields = {}

    def add(self, obj, when, by=None, kind="~", m2m=None, **changes):
        cls = type(obj)
        if cls not in self.fields:
            model = cls.history.model  # the manager is rebuilt on each access: look it up once
            self.fields[cls] = (model, [f.attname for f in model.tracked_fields])
        model, names = self.fields[cls]
        values = {name: getattr(obj, name) for name in names}
        values.update(changes)
        row = model(
            history_date=when,
            history_type=kind,
            history_user_id=by.pk if by else None,
            history_change_reason=None,
            **values,
        )
        self.rows[model].append(row)
        if m2m:
            m2m_model, rows = m2m
            self.m2m[m2m_model].append((row, rows))

    def flush(self):
        count = 0
        for model, rows in self.rows.items():
            model.objects.bulk_create(rows, batch_size=BATCH)
            count += len(rows)
        for m2m_model, pairs in self.m2m.items():
            rows = [
                m2m_model(history_id=row.pk, **values) for row, many in pairs for values in many
            ]
            m2m_model.objects.bulk_create(rows, batch_size=BATCH)
            count += len(rows)
        self.rows.clear()
        self.m2m.clear()
        return count


def m2m_history_model(model, field_name):
    return apps.get_model(model._meta.app_label, f"Historical{model.__name__}_{field_name}")


class Command(BaseCommand):
    help = (
        "为负载测试生成若干年的模拟数据（会议、议题、纪要、督办事项、急难救助个案、任职变动及历史记录）。"
        "需要已迁移并载入《制度》名单的数据库；已有会议数据时不再生成。仅限 DEBUG 模式。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--years", type=int, default=10, help="生成多少个年度（含本年），默认 10"
        )
        parser.add_argument("--seed", type=int, default=2024, help="随机数种子，默认 2024")

    def handle(self, *args, years, seed, **options):
        if not settings.DEBUG:
            raise CommandError("生产环境（DEBUG 关闭）不能生成模拟数据。")
        if years < 1:
            raise CommandError("--years 至少为 1。")
        if not Seat.objects.exists():
            call_command("load_charter", stdout=self.stdout)
        if Meeting.objects.exists():
            self.stdout.write("已有会议数据，不再生成负载数据。")
            restore_pdf(self.stdout)
            return
        started = time.monotonic()
        builder = Builder(years=years, seed=seed, out=self.stdout)
        with given_times(), transaction.atomic():
            builder.run()
        if connection.vendor == "postgresql":
            # As a database that has lived ten years would be: statistics for the planner, and
            # the visibility map that lets counts and lists read indexes alone.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(f"负载数据已生成，用时 {time.monotonic() - started:.0f} 秒：")
        )
        for label, count in builder.counts():
            self.stdout.write(f"  {label:<28}{count:>10,}")


def restore_pdf(out):
    """The generated issued minutes share one stored PDF. If the file is gone (a new, empty media
    folder), render it again and give those rows (and their history) its SHA-256. Minutes issued
    through the service have their own files and are never touched."""
    from meetings.pdf import render_minutes_pdf

    generated = Minutes.objects.filter(pdf__startswith=f"minutes/{LOAD_PDF_PREFIX}")
    sample = generated.select_related("meeting").order_by("-issued_at").first()
    if sample is None or default_storage.exists(sample.pdf.name):
        return
    name = sample.pdf.name
    pdf = render_minutes_pdf(
        sample,
        number_label=sample.number_label,
        issued_on=timezone.localtime(sample.issued_at).date(),
    )
    sha = hashlib.sha256(pdf).hexdigest()
    stored = default_storage.save(name, ContentFile(pdf))
    with transaction.atomic():
        generated.filter(pdf=name).update(pdf=stored, pdf_sha256=sha)
        Minutes.history.filter(pdf=name).update(pdf=stored, pdf_sha256=sha)
    out.write(f"纪要 PDF 文件已重新生成：{stored}")


class Builder:
    PHASES = [
        ("名单与账号", 2),
        ("会议与议题", 10),
        ("急难救助个案", 25),
        ("会议纪要", 13),
        ("督办事项", 40),
        ("编号", 1),
    ]

    def __init__(self, *, years, seed, out):
        self.rng = random.Random(seed)
        self.years = years
        self.out = out
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.first_year = self.today.year - years + 1
        self.start = datetime.date(self.first_year, 1, 1)
        self.progress = Progress(out, self.PHASES)
        self.history = History()
        self.history_rows = 0
        self.units = list(Unit.objects.order_by("order"))
        self.unit = {u.name: u for u in self.units}
        self.towns = [u for u in self.units if u.kind == Unit.Kind.TOWN]
        self.members = [u for u in self.units if u.kind != Unit.Kind.GOVERNMENT and u.active]
        self.duties = {u.pk: list(Duty.objects.for_unit(u)) for u in self.units}
        self.seats = list(Seat.objects.select_related("unit").order_by("order", "pk"))
        self.groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
        self.tasks = []  # every task, whatever its source, simulated together in phase 5

    # --- small helpers ---------------------------------------------------------------------------

    def name(self) -> str:
        if self.rng.random() < 0.08:
            return self.rng.choice(MONGOLIAN_NAMES)
        given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.7 else "")
        return self.rng.choice(SURNAMES) + given

    def phone(self) -> str:
        if self.rng.random() < 0.1:
            return f"0477-86{self.rng.randrange(100000):05d}"
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def id_number(self, born: datetime.date, male: bool) -> str:
        sequence = self.rng.randrange(500) * 2 + (1 if male else 0)
        return make_id(self.rng.choice(REGIONS), born, sequence)

    def born(self, age: int, on: datetime.date) -> datetime.date:
        return on - datetime.timedelta(days=int(age * 365.25) + self.rng.randrange(365))

    def after(self, moment: datetime.datetime, lo: float, hi: float) -> datetime.datetime:
        """A working-hours moment lo..hi days after `moment`, never before it."""
        day = timezone.localtime(moment).date() + datetime.timedelta(
            days=self.rng.randint(int(lo), int(hi))
        )
        result = aware(weekday(day), self.rng.randint(8, 17), self.rng.randint(0, 59))
        if result <= moment:
            result = moment + datetime.timedelta(minutes=self.rng.randint(5, 120))
        return result

    def between(self, a: datetime.datetime, b: datetime.datetime) -> datetime.datetime:
        """A moment between a and b, in working hours when the span allows."""
        if b <= a:
            return a + datetime.timedelta(minutes=1)
        moment = timezone.localtime(a + (b - a) * self.rng.uniform(0.05, 0.95))
        if not 8 <= moment.hour < 18:
            snapped = aware(moment.date(), self.rng.randint(8, 17), self.rng.randint(0, 59))
            if a < snapped < b:
                return snapped
        return moment

    def insert(self, model, objs, fraction_from=None, fraction_to=None):
        objs = list(objs)
        for i in range(0, len(objs), BATCH):
            model.objects.bulk_create(objs[i : i + BATCH], batch_size=BATCH)
            if fraction_from is not None:
                done = min(1, (i + BATCH) / max(len(objs), 1))
                self.progress.advance(fraction_from + (fraction_to - fraction_from) * done)
        return objs

    def flush_history(self):
        self.history_rows += self.history.flush()

    def office_at(self, moment) -> User:
        day = timezone.localtime(moment).date() if isinstance(moment, datetime.datetime) else moment
        active = [u for u, a, b in self.office_terms if a <= day and (b is None or day <= b)]
        return self.rng.choice(active or [self.office_terms[-1][0]])

    def leader_at(self, moment) -> User:
        day = timezone.localtime(moment).date()
        for seat in self.leader_seats:
            term = self.holder(seat.pk, day)
            if term and term["user"] is not None:
                return term["user"]
        return self.leader_users[-1]

    def liaison_at(self, unit_id, moment) -> User:
        day = timezone.localtime(moment).date() if isinstance(moment, datetime.datetime) else moment
        terms = self.liaison_terms.get(unit_id)
        if not terms:
            return self.office_at(day)
        current = [t for t in terms if t.start <= day and (t.end is None or day <= t.end)]
        return self.rng.choice(current or terms).person.user

    def holder(self, seat_id, day):
        terms = self.tenures_by_seat[seat_id]
        i = bisect_right([t["start"] for t in terms], day) - 1
        if i >= 0 and (terms[i]["end"] is None or day <= terms[i]["end"]):
            return terms[i]
        return None

    # --- the run ---------------------------------------------------------------------------------

    def run(self):
        self.progress.phase(0)
        self.people()
        self.progress.phase(1)
        self.meetings()
        self.progress.phase(2)
        self.cases()
        self.progress.phase(3)
        self.minutes()
        self.progress.phase(4)
        self.supervise()
        self.progress.phase(5)
        self.sequences()
        self.progress.finish()

    # --- 1. seats, holders, liaisons, accounts ---------------------------------------------------

    def user(self, username, role, unit, *, active=True, joined=None):
        name = self.name()
        last, first = name[:1], name[1:]
        user = User(
            username=username,
            password=make_password(None),
            last_name=last,
            first_name=first,
            unit=unit,
            is_active=active,
            date_joined=aware(joined or self.start),
        )
        user._role = role
        return user

    def people(self):
        rng = self.rng
        span = (self.today - self.start).days
        users = []
        # The office: staff come and go; at least one is always there.
        self.office_terms = []
        for n, (a, b) in enumerate([(0, 0.45), (0.3, None), (0.55, None), (0.8, None)], 1):
            begin = (
                self.start
                + datetime.timedelta(days=int(a * span))
                - (365 * DAY if n == 1 else 0 * DAY)
            )
            end = None if b is None else self.start + datetime.timedelta(days=int(b * span))
            u = self.user(
                f"load-office-{n}",
                Role.OFFICE,
                self.unit["旗民政局"],
                active=end is None,
                joined=begin,
            )
            users.append(u)
            self.office_terms.append((u, begin, end))

        # Every seat: the holders before the charter's, the charter's, and successors since.
        charter = {
            t.seat_id: t for t in Tenure.objects.filter(end__isnull=True).select_related("person")
        }
        people, tenures, closed = [], [], []
        self.tenures_by_seat = {}
        self.leader_seats = [
            s for s in self.seats if s.role in (Seat.Role.LEADER, Seat.Role.DEPUTY)
        ]
        leader_seat_ids = {s.pk for s in self.leader_seats}
        self.leader_users = []
        for seat in self.seats:
            current = charter.get(seat.pk)
            if current is None:
                continue
            post = current.post
            # Holders before the charter's: one to three, if the years reach back before it.
            room = (current.start - self.start).days - 120
            n_before = rng.randint(1, 3) if room > 0 else 0
            cuts = sorted(
                self.start + datetime.timedelta(days=rng.randint(60, room + 60))
                for _ in range(n_before - 1)
            )
            starts = (
                [self.start - datetime.timedelta(days=rng.randint(100, 900)), *cuts]
                if n_before
                else []
            )
            terms = []
            for i, begin in enumerate(starts):
                end = (starts[i + 1] if i + 1 < len(starts) else current.start) - DAY
                person = Person(name=self.name())
                tenure = Tenure(
                    seat=seat,
                    person=person,
                    post=post,
                    start=begin,
                    end=end,
                    basis=SUCCESSION_BASIS,
                    recorded_by=self.office_at(begin) if begin >= self.start else None,
                    recorded_at=aware(max(begin, self.start), 10),
                )
                person._created = tenure.recorded_at
                people.append(person)
                tenures.append(tenure)
                terms.append(
                    {
                        "start": begin,
                        "end": end,
                        "name": person.name,
                        "post": post,
                        "person": person,
                    }
                )
            terms.append(
                {
                    "start": current.start,
                    "end": None,
                    "name": current.person.name,
                    "post": post,
                    "person": current.person,
                    "tenure": current,
                }
            )
            # Successors since the charter (继任者自然接任), like record_succession.
            if rng.random() < 0.45:
                latest = (self.today - current.start).days - 30
                if latest > 90:
                    begin = current.start + datetime.timedelta(days=rng.randint(90, latest))
                    current.end = begin - DAY
                    closed.append((current, self.office_at(begin), aware(begin, 10)))
                    terms[-1]["end"] = current.end
                    person = Person(name=self.name())
                    tenure = Tenure(
                        seat=seat,
                        person=person,
                        post=post,
                        start=begin,
                        end=None,
                        basis=SUCCESSION_BASIS,
                        recorded_by=self.office_at(begin),
                        recorded_at=aware(begin, 10),
                    )
                    person._created = tenure.recorded_at
                    people.append(person)
                    tenures.append(tenure)
                    terms.append(
                        {
                            "start": begin,
                            "end": None,
                            "name": person.name,
                            "post": post,
                            "person": person,
                        }
                    )
            self.tenures_by_seat[seat.pk] = terms
            # Leaders log in to approve minutes; members of the current roster read.
            for term in terms:
                term["user"] = None
                if seat.pk in leader_seat_ids:
                    u = self.user(
                        f"load-leader-{seat.pk}-{len(self.leader_users) + 1}",
                        Role.LEADER,
                        seat.unit,
                        active=term["end"] is None,
                        joined=term["start"],
                    )
                    u.last_name, u.first_name = term["name"][:1], term["name"][1:]
                    term["user"] = u
                    self.leader_users.append(u)
                    users.append(u)
                elif term["end"] is None:
                    u = self.user(
                        f"load-member-{seat.pk}", Role.MEMBER, seat.unit, joined=term["start"]
                    )
                    u.last_name, u.first_name = term["name"][:1], term["name"][1:]
                    term["user"] = u
                    users.append(u)

        # Liaisons: each unit's section head, changing every two to four years; 民政局 has two.
        liaisons, liaison_people = [], []
        self.liaison_terms = defaultdict(list)
        for unit in self.members:
            for _line in range(2 if unit.name == "旗民政局" else 1):
                begin = self.start - datetime.timedelta(days=rng.randint(0, 700))
                while begin <= self.today:
                    end = begin + datetime.timedelta(days=rng.randint(700, 1500))
                    end = None if end >= self.today else end
                    u = self.user(
                        f"load-liaison-{unit.pk}-{len(self.liaison_terms[unit.pk]) + 1}",
                        Role.LIAISON,
                        unit,
                        active=end is None,
                        joined=begin,
                    )
                    users.append(u)
                    person = Person(name=u.last_name + u.first_name, user=u)
                    person._created = aware(max(begin, self.start), 9)
                    liaison_people.append(person)
                    post = (
                        "社会事务办公室主任"
                        if unit.is_town
                        else rng.choice(
                            ["社会救助股股长", "综合股股长", "办公室主任", "业务股股长"]
                        )
                    )
                    term = Liaison(
                        unit=unit,
                        person=person,
                        post=post,
                        phone=self.phone(),
                        start=begin,
                        end=end,
                    )
                    liaisons.append(term)
                    self.liaison_terms[unit.pk].append(term)
                    if end is None:
                        break
                    begin = end + DAY

        self.insert(User, users)
        memberships = [
            User.groups.through(user_id=u.pk, group_id=self.groups[u._role].pk) for u in users
        ]
        self.insert(User.groups.through, memberships)
        for terms in self.tenures_by_seat.values():
            for term in terms:
                if term["user"] is not None and term["person"].pk is None:
                    term["person"].user = term["user"]
        self.insert(Person, people + liaison_people)
        for terms in self.tenures_by_seat.values():
            for term in terms:
                if term["user"] is not None and term["person"].pk is not None and "tenure" in term:
                    term["person"].user = term["user"]
                    term["person"].save(update_fields=["user"])
                    when = aware(max(term["start"], self.start), 10)
                    self.history.add(term["person"], when, self.office_at(when))
        # Close the charter holders' tenures first: one open tenure per seat (a constraint).
        Tenure.objects.bulk_update([t for t, _, _ in closed], ["end"])
        self.insert(Tenure, tenures)
        self.insert(Liaison, liaisons)

        for person in people + liaison_people:
            self.history.add(person, person._created, kind="+")
        for t in tenures:
            self.history.add(t, t.recorded_at, t.recorded_by, kind="+", end=None)
            if t.end is not None:
                self.history.add(t, aware(t.end + DAY, 10), self.office_at(t.end + DAY))
        for t, by, when in closed:
            self.history.add(t, when, by)
        for t in liaisons:
            self.history.add(
                t, aware(max(t.start, self.start), 9), self.office_at(t.start), kind="+", end=None
            )
            if t.end is not None:
                self.history.add(t, aware(t.end, 17), self.office_at(t.end))
        self.flush_history()
        self.users = users
        self.progress.advance(1)

    # --- 2. meetings and the items the units put forward ------------------------------------------

    def meetings(self):
        rng = self.rng
        horizon = self.today + 21 * DAY
        planned = []
        for year in range(self.first_year, self.today.year + 1):
            first = datetime.date(year, 1, 1)
            plenaries = [datetime.date(year, rng.randint(5, 7), rng.randint(1, 28))]
            if rng.random() < 0.3:
                plenaries.append(datetime.date(year, 12, rng.randint(5, 20)))
            for n, day in enumerate(plenaries, 1):
                planned.append((Meeting.Kind.PLENARY, weekday(day), n))
            for kind, count in (
                (Meeting.Kind.SPECIAL, SPECIAL_PER_YEAR),
                (Meeting.Kind.WRITTEN, WRITTEN_PER_YEAR),
            ):
                for i in range(count):
                    day = first + datetime.timedelta(days=int((i + rng.random()) * 365 / count))
                    planned.append((kind, weekday(day), 0))
        planned.sort(key=lambda p: p[1])

        meetings = []
        leader_seat = next(s for s in self.seats if s.role == Seat.Role.LEADER)
        deputy_seat = next(s for s in self.seats if s.role == Seat.Role.DEPUTY)
        active_units = [u for u in self.units if u.active]
        for kind, day, n in planned:
            if day > horizon:
                continue
            if kind == Meeting.Kind.PLENARY:
                starts = aware(day, 9, 30)
                title = f"{day.year}年社会救助联席会议{'第二次' if n == 2 else ''}全体会议"
                place = PLACES[0]
            elif kind == Meeting.Kind.SPECIAL:
                starts = aware(day, rng.choice([9, 15]), 0)
                title = f"{rng.choice(SPECIAL_TOPICS)}专题会议"
                place = rng.choice(PLACES)
            else:
                starts = aware(day, 9, 0)
                title = f"关于{rng.choice(WRITTEN_TOPICS)}的书面审议"
                place = ""
            created = aware(
                weekday(day - datetime.timedelta(days=rng.randint(10, 25))), 10, rng.randint(0, 59)
            )
            if created > self.now:
                continue
            m = Meeting(
                kind=kind,
                title=title,
                starts_at=starts,
                place=place,
                convener_seat=(leader_seat if rng.random() < 0.8 else deputy_seat)
                if kind == Meeting.Kind.PLENARY
                else None,
                opinion_deadline=aware(weekday(day + 5 * DAY), 17, 0)
                if kind == Meeting.Kind.WRITTEN
                else None,
                created_by=self.office_at(created),
                created_at=created,
            )
            m._notify_at = aware(weekday(day - datetime.timedelta(days=rng.randint(2, 6))), 16, 0)
            m._notify_at = max(m._notify_at, created + HOUR)
            if kind == Meeting.Kind.PLENARY:
                m._units = set(active_units)
            else:
                m._units = {self.unit["旗民政局"], *rng.sample(self.members, rng.randint(3, 7))}
            m._items = []
            # Where it stands today.
            m._held_at = m._closed_at = m._cancelled_at = None
            if m._notify_at > self.now:
                m.status = Meeting.Status.DRAFT
            elif rng.random() < 0.02:
                m.status = Meeting.Status.CANCELLED
                m._cancelled_at = self.between(m._notify_at, starts)
                m._cancelled_at = min(m._cancelled_at, self.now)
            else:
                m.notified_at = m._notify_at
                held = (
                    starts + 3 * HOUR
                    if kind != Meeting.Kind.WRITTEN
                    else self.after(m.opinion_deadline, 0, 2)
                )
                ready = (
                    starts <= self.now
                    if kind != Meeting.Kind.WRITTEN
                    else m.opinion_deadline <= self.now
                )
                if not ready or held > self.now:
                    m.status = Meeting.Status.NOTIFIED
                else:
                    m._held_at = held
                    closed = self.after(held, 1, 5)
                    if closed <= self.now and held < self.now - 10 * DAY:
                        m.status, m._closed_at = Meeting.Status.CLOSED, closed
                    else:
                        m.status = Meeting.Status.HELD
            m.status_changed_at = m._closed_at or m._held_at or m._cancelled_at or m.notified_at
            meetings.append(m)
        self.all_meetings = meetings

        # Items the units put forward for these meetings (议题), and others that never got there.
        items = []
        for m in meetings:
            if m.status == Meeting.Status.CANCELLED:
                continue
            count = {
                Meeting.Kind.PLENARY: (5, 8),
                Meeting.Kind.SPECIAL: (8, 13),
                Meeting.Kind.WRITTEN: (0, 2),
            }[m.kind]
            for _ in range(rng.randint(*count)):
                item = self.unit_item(before=m.created_at)
                last = item._events[-1][0] if item._events else item.submitted_at
                accepted = min(self.after(last, 1, 4), m.created_at)
                if accepted <= last:
                    accepted = last + datetime.timedelta(minutes=10)
                scheduled = self.between(
                    m.created_at, m.starts_at if m.kind != Meeting.Kind.WRITTEN else m._notify_at
                )
                scheduled = min(scheduled, self.now)
                item._events = [
                    *item._events,
                    (accepted, AgendaStep.Action.ACCEPTED, self.office_at(accepted), ""),
                ]
                item._scheduled_at = scheduled
                item.meeting = m
                m._units.add(item.unit)
                m._items.append(item)
                items.append(item)
        extra = max(0, UNIT_ITEMS_PER_YEAR * self.years_span() - len(items))
        span = (self.now - aware(self.start)).total_seconds()
        for _ in range(int(extra)):
            moment = aware(self.start) + datetime.timedelta(seconds=rng.uniform(0, span))
            item = self.unit_item(before=moment)
            recent = item.submitted_at > self.now - 60 * DAY
            outcome = rng.choices(
                ["submitted", "accepted", "returned"]
                if recent
                else ["rejected", "withdrawn", "returned"],
                [40, 35, 25] if recent else [45, 30, 25],
            )[0]
            office = self.office_at(item.submitted_at)
            last = item._events[-1][0] if item._events else item.submitted_at
            when = min(self.after(last, 1, 5), self.now)
            if outcome == "accepted":
                item._events.append((when, AgendaStep.Action.ACCEPTED, office, ""))
                item.status = AgendaItem.Status.ACCEPTED
            elif outcome == "rejected":
                item._events.append(
                    (
                        when,
                        AgendaStep.Action.REJECTED,
                        office,
                        "该事项不属于联席会议研究范围，建议由主管部门按职责办理。",
                    )
                )
                item.status = AgendaItem.Status.REJECTED
            elif outcome == "returned":
                item._events.append(
                    (
                        when,
                        AgendaStep.Action.RETURNED,
                        office,
                        "请补充资金测算和相关部门意见后重新提交。",
                    )
                )
                item.status = AgendaItem.Status.RETURNED
            elif outcome == "withdrawn":
                item._events.append((when, AgendaStep.Action.WITHDRAWN, item.submitted_by, ""))
                item.status = AgendaItem.Status.WITHDRAWN
            items.append(item)
        self.unit_items = items
        self.insert(Meeting, meetings)
        self.progress.advance(0.3)

    def years_span(self) -> float:
        return ((self.today - self.start).days + 1) / 365.25

    def unit_item(self, *, before):
        rng = self.rng
        weights = [8 if u.name == "旗民政局" else 2 if u.is_town else 1 for u in self.members]
        unit = rng.choices(self.members, weights)[0]
        topics = (
            [f"{unit.short_name}{t}" for t in TOWN_TOPICS]
            if unit.is_town
            else UNIT_TOPICS.get(unit.name, TOWN_TOPICS)
        )
        topic = rng.choice(topics)
        submitted = self.after(before - datetime.timedelta(days=rng.randint(5, 30)), 0, 0)
        submitted = min(submitted, before - HOUR)
        by = self.liaison_at(unit.pk, submitted)
        duties = self.duties.get(unit.pk) or [None]
        item = AgendaItem(
            unit=unit,
            submitted_by=by,
            title=f"关于{topic}的议题",
            background=(
                f"{timezone.localtime(submitted).year}年以来，{unit.name}在{topic}方面做了大量工作，"
                f"累计受理相关事项{rng.randint(12, 260)}件。工作中发现{rng.choice(PROBLEMS)}、"
                f"{rng.choice(PROBLEMS)}等问题，需要联席会议统筹研究。"
            ),
            proposal=rng.choice(
                [
                    f"建议由{unit.name}牵头，会同相关成员单位制定{topic}实施方案，按季度报送进展。",
                    f"建议建立{topic}部门协同机制，明确各成员单位职责分工。",
                    f"建议安排专项资金{rng.randint(5, 200)}万元用于{topic}，由旗财政局按程序拨付。",
                ]
            ),
            duty=rng.choice(duties),
            status=AgendaItem.Status.SUBMITTED,
            submitted_at=submitted,
        )
        item._topic = topic
        item._events = []
        item._scheduled_at = None
        if rng.random() < 0.12:  # returned once, revised and sent again
            returned = self.after(submitted, 1, 3)
            edited = self.after(returned, 1, 3)
            if edited < before:
                item._events = [
                    (
                        returned,
                        AgendaStep.Action.RETURNED,
                        self.office_at(returned),
                        "请补充相关部门意见和资金测算。",
                    ),
                    (edited, AgendaStep.Action.EDITED, by, "修改后重新提交"),
                ]
                item.version = 2
        return item

    # --- 3. urgent cases, one matter one deliberation ---------------------------------------------

    def cases(self):
        rng = self.rng
        span = (self.now - aware(self.start)).total_seconds()
        count = int(CASES_PER_YEAR * self.years_span())
        moments = []
        for _ in range(count):
            moment = timezone.localtime(
                aware(self.start) + datetime.timedelta(seconds=rng.uniform(0, span))
            )
            # Registered in the working day (a night's case is registered the next morning).
            moment = aware(moment.date(), rng.randint(8, 17), rng.randint(0, 59))
            moments.append(min(moment, self.now - 5 * HOUR))
        moments.sort()
        venues = sorted(
            (
                m
                for m in self.all_meetings
                if m.kind != Meeting.Kind.PLENARY and m.status != Meeting.Status.CANCELLED
            ),
            key=lambda m: m.starts_at,
        )
        venue_starts = [m.starts_at for m in venues]
        cases, household, verifications, logs, measures = [], [], [], [], []
        numbers = defaultdict(int)
        town_weights = [4 if t.name == "阿勒腾席热镇" else 1 for t in self.towns]
        verify_units = [self.unit[name] for name in VERIFY]
        case_items = []
        for i, registered in enumerate(moments):
            if i % 500 == 0:
                self.progress.advance(0.5 * i / count)
            local = timezone.localtime(registered)
            year = local.year
            numbers[year] += 1
            town = rng.choices(self.towns, town_weights)[0]
            by = (
                self.office_at(registered)
                if rng.random() < 0.6
                else self.liaison_at(town.pk, registered)
            )
            male = rng.random() < 0.55
            age = rng.randint(19, 84)
            category = rng.choices(Case.Category.values, [45, 8, 12, 12, 15, 8])[0]
            applicant = self.name()
            case = Case(
                year=year,
                number=numbers[year],
                applicant=applicant,
                id_number=self.id_number(self.born(age, local.date()), male),
                phone=self.phone() if rng.random() < 0.95 else "",
                town=town,
                address=f"{town.name}{rng.choice(VILLAGES)}{rng.randint(1, 12)}社{rng.randint(1, 90)}号",
                category=category,
                facts=self.facts(category, age, local.date()),
                requested_help=self.requested(category),
                found_by=rng.choices(Case.Found.values, [35, 65])[0],
                urgency=rng.choices(Case.Urgency.values, [20, 65, 15])[0],
                status=Case.Status.RECEIVED,
                registered_by=by,
                registered_at=registered,
            )
            case._events = [(registered, Case.Status.RECEIVED, by, "")]
            cases.append(case)
            for member in self.household(age, male, local.date()):
                member.case = case
                household.append(member)
            # 核对: two to four units at once; the answers come back within days.
            asked = self.after(registered, 0, 2)
            if asked > self.now:
                continue
            office = self.office_at(asked)
            ready, answered_all, asked_units = asked, True, []
            for n, unit in enumerate(rng.sample(verify_units, rng.randint(2, 4))):
                subject, answer = VERIFY[unit.name]
                v = Verification(
                    case=case,
                    unit=unit,
                    subject=subject,
                    question=f"请核对申请人及家庭成员的{subject}情况。",
                    requested_by=office,
                    requested_at=asked,
                )
                answered = self.after(asked, 1, 6)
                if answered <= self.now:
                    v.answer, v.answered_by, v.answered_at = (
                        answer,
                        self.liaison_at(unit.pk, answered),
                        answered,
                    )
                    ready = max(ready, answered)
                else:
                    answered_all = False
                verifications.append(v)
                asked_units.append(unit.name)
                if n == 0:
                    case._events.append(
                        (asked, Case.Status.VERIFYING, office, f"请{unit.name}核对{subject}")
                    )
            case.status = Case.Status.VERIFYING
            if rng.random() < 0.15:
                at = min(self.after(asked, 0, 10), self.now)
                logs.append(AccessLog(case=case, user=office, unit_id=office.unit_id, at=at))
            if not answered_all:
                continue
            if rng.random() < 0.08:  # 不予救助 after the verification
                refused = self.after(ready, 1, 3)
                if refused <= self.now:
                    case.refuse_reason = rng.choice(
                        [
                            "经核对，申请人家庭名下有商品房2套，不符合急难救助条件。",
                            "经核对，申请人家庭成员有经营主体登记且正常经营，不符合急难救助条件。",
                            "经核实，申请人已获得商业保险理赔，基本生活未陷入困境。",
                        ]
                    )
                    case.status = Case.Status.REFUSED
                    case._events.append(
                        (refused, Case.Status.REFUSED, self.office_at(refused), case.refuse_reason)
                    )
                continue
            # 提请审议 at the next special meeting or written review after the answers are in.
            j = bisect_right(venue_starts, ready + DAY)
            if j >= len(venues):
                continue
            meeting = venues[j]
            sent = min(self.between(max(ready, meeting.created_at), meeting.starts_at), self.now)
            office = self.office_at(sent)
            deid = deidentify(applicant)
            label = f"急难〔{year}〕{case.number}号"
            item = AgendaItem(
                unit=town,
                submitted_by=office,
                title=f"{label} {deid}（{case.get_category_display()}）急难救助",
                background=(
                    f"{town.name}{deid}，{case.get_category_display()}致困，{case.get_found_by_display()}，"
                    f"紧急程度：{case.get_urgency_display()}。已请 {'、'.join(asked_units)} 核对家庭经济状况。"
                ),
                proposal="请审议救助措施。",
                status=AgendaItem.Status.ACCEPTED,
                submitted_at=sent,
                meeting=meeting,
            )
            item._events = [(sent, AgendaStep.Action.ACCEPTED, office, "")]
            item._office_item = True
            item._scheduled_at = sent
            meeting._units.add(town)
            meeting._items.append(item)
            case_items.append(item)
            case._item = item
            case.status = Case.Status.SUBMITTED
            case._events.append((sent, Case.Status.SUBMITTED, office, meeting.title))
            if meeting._held_at is None:
                continue
            decided = self.after(meeting._held_at, 0, 2)
            if decided > self.now:
                continue
            office = self.office_at(decided)
            case.status = Case.Status.DECIDED
            case._events.append((decided, Case.Status.DECIDED, office, ""))
            options = MEASURES[category]
            chosen = rng.sample(options, rng.choices([1, 2], [65, 35])[0])
            started = self.after(decided, 0, 2)
            case_measures = []
            for unit_name, text, amounts in chosen:
                amount = (
                    Decimal(rng.randrange(amounts[0] // 100, amounts[1] // 100 + 1) * 100)
                    if amounts
                    else None
                )
                m = Measure(
                    case=case,
                    unit=self.unit[unit_name],
                    description=text,
                    amount=amount,
                    deadline=timezone.localtime(decided).date()
                    + datetime.timedelta(days=rng.randint(10, 30)),
                )
                m._decided = (decided, office)
                m._task = None
                case_measures.append(m)
                measures.append(m)
            if started > self.now:
                continue
            case.status = Case.Status.IMPLEMENTING
            case._events.append((started, Case.Status.IMPLEMENTING, self.office_at(started), ""))
            case._tasks = []
            for m in case_measures:
                amount = f"（{m.amount:,.2f} 元）" if m.amount else ""
                task = Task(
                    title=f"{label} {deid}：{m.description}{amount}",
                    source=Task.Source.CASE,
                    source_label=label,
                    lead_unit=m.unit,
                    deadline=m.deadline,
                    original_deadline=m.deadline,
                    created_at=started,
                    created_by=self.office_at(started),
                )
                task._resp = []
                m._task = task
                case._tasks.append(task)
                self.tasks.append(task)
        self.cases_list = cases
        self.case_items = case_items
        self.progress.advance(0.5)

        # Agenda items: numbered on each meeting in the order they were put on it.
        all_items = self.unit_items + case_items
        for m in self.all_meetings:
            m._items.sort(key=lambda it: it._scheduled_at)
            for order, item in enumerate(m._items, 1):
                item.order = order
                office = self.office_at(item._scheduled_at)
                item._events.append(
                    (
                        item._scheduled_at,
                        AgendaStep.Action.SCHEDULED,
                        office,
                        f"列入“{m.title}”第{order}项",
                    )
                )
                item.status = AgendaItem.Status.SCHEDULED
                if m._held_at is not None:
                    item._events.append(
                        (m._held_at, AgendaStep.Action.DELIBERATED, m.created_by, m.title)
                    )
                    item.status = AgendaItem.Status.DELIBERATED
        self.insert(AgendaItem, all_items, 0.5, 0.6)
        steps = []
        for item in all_items:
            first = [
                (
                    item.submitted_at,
                    AgendaStep.Action.SUBMITTED,
                    item.submitted_by,
                    "办公室提出" if getattr(item, "_office_item", False) else "",
                )
            ]
            for at, action, by, comment in first + item._events:
                steps.append(AgendaStep(item=item, action=action, by=by, at=at, comment=comment))
        self.insert(AgendaStep, steps, 0.6, 0.65)
        self.item_history(all_items)

        # Meetings' invited units (schedule_item adds the proposing unit), history, attendance.
        through = Meeting.invited_units.through
        invites = []
        for m in self.all_meetings:
            m._invites = [
                through(meeting_id=m.pk, unit_id=u.pk)
                for u in sorted(m._units, key=lambda u: u.order)
            ]
            invites += m._invites
        self.insert(through, invites)
        self.meeting_history()
        self.attendance()
        self.flush_history()
        self.progress.advance(0.7)

        for c in cases:
            item = getattr(c, "_item", None)
            c.agenda_item = item
        self.insert(Case, cases, 0.7, 0.8)
        self.insert(HouseholdMember, household, 0.8, 0.85)
        self.insert(Verification, verifications)
        case_steps = [
            CaseStep(case=c, status=status, by=by, at=at, comment=comment)
            for c in cases
            for at, status, by, comment in c._events
        ]
        self.insert(CaseStep, case_steps, 0.85, 0.9)
        self.insert(AccessLog, logs)
        self.measures = measures
        # History: a case's row changes at each step; its people are recorded once.
        for c in cases:
            final = {
                "status": c.status,
                "agenda_item_id": c.agenda_item_id,
                "refuse_reason": c.refuse_reason,
            }
            state = {"status": Case.Status.RECEIVED, "agenda_item_id": None, "refuse_reason": ""}
            for n, (at, status, by, _comment) in enumerate(c._events):
                state["status"] = status
                if status == Case.Status.SUBMITTED:
                    state["agenda_item_id"] = final["agenda_item_id"]
                if status == Case.Status.REFUSED:
                    state["refuse_reason"] = final["refuse_reason"]
                self.history.add(c, at, by, kind="+" if n == 0 else "~", **state)
        for member in household:
            self.history.add(member, member.case.registered_at, member.case.registered_by, kind="+")
        for v in verifications:
            self.history.add(
                v,
                v.requested_at,
                v.requested_by,
                kind="+",
                answer="",
                answered_by_id=None,
                answered_at=None,
            )
            if v.answered_at:
                self.history.add(v, v.answered_at, v.answered_by)
        self.flush_history()
        self.progress.advance(1)

    def facts(self, category, age, day) -> str:
        rng = self.rng
        income = rng.choice(INCOMES).format(n=rng.choice([400, 500, 600, 800]))
        month = rng.randint(1, 12)
        if category == Case.Category.ILLNESS:
            total = rng.randrange(40, 600) * 1000
            own = total * rng.randint(25, 55) // 100
            who = rng.choice(["申请人", "申请人配偶", "申请人子女", "申请人父亲", "申请人母亲"])
            return (
                f"{who}于{month}月确诊{rng.choice(DISEASES)}，先后在{rng.choice(HOSPITALS)}住院治疗，"
                f"累计医疗费用{total:,}元，基本医保和大病保险报销后个人自付{own:,}元。{income}，无力承担后续治疗费用。"
            )
        if category == Case.Category.DISASTER:
            event = rng.choice(["冰雹灾害", "暴雨洪涝", "火灾", "强风", "雪灾"])
            damage = rng.choice(
                ["房屋部分倒塌", f"牲畜死亡{rng.randint(5, 80)}只", "温室大棚损毁", "家具家电损毁"]
            )
            return f"{month}月{rng.randint(1, 28)}日，申请人家中遭遇{event}，{damage}，直接经济损失约{rng.randint(2, 30)}万元，家庭基本生活暂时出现困难。"
        if category == Case.Category.DISABILITY:
            who = rng.choice(["申请人", "申请人配偶", "申请人之子", "申请人之女"])
            kind = rng.choice(["肢体", "智力", "精神", "视力", "多重"])
            return f"{who}为{rng.choice(['一', '二'])}级{kind}残疾，长期需要专人护理，家庭主要劳动力无法外出务工，{income}。"
        if category == Case.Category.SCHOOLING:
            school = rng.choice(
                [
                    "内蒙古大学",
                    "内蒙古师范大学",
                    "鄂尔多斯应用技术学院",
                    "内蒙古工业大学",
                    "包头医学院",
                ]
            )
            return f"申请人子女于{day.year}年考入{school}，学费、住宿费等每年约{rng.randint(6, 16)}千元，{income}，无力承担。"
        if category == Case.Category.EMERGENCY:
            event = rng.choice(["交通事故", "工伤事故", "突发疾病", "煤矿事故"])
            outcome = rng.choice(["不幸去世", "重伤住院", "致残"])
            return f"{month}月{rng.randint(1, 28)}日，申请人家庭主要劳动力因{event}{outcome}，家庭失去主要经济来源，{income}。"
        situation = rng.choice(["无固定收入", "子女在外地无力赡养", "务工受伤后无法劳动"])
        return f"申请人{age}岁，独居，{situation}，{income}，生活困难。"

    def requested(self, category) -> str:
        rng = self.rng
        amount = rng.randrange(10, 300) * 100
        return {
            Case.Category.ILLNESS: f"申请医疗救助和临时救助{amount:,}元，减轻医疗费用负担。",
            Case.Category.DISASTER: f"申请受灾群众生活救助和临时救助{amount:,}元。",
            Case.Category.DISABILITY: "申请落实残疾人补贴并给予临时救助。",
            Case.Category.SCHOOLING: "申请教育资助和临时救助，保障子女顺利入学。",
            Case.Category.EMERGENCY: f"申请临时救助{amount:,}元，帮助渡过难关。",
        }.get(category, f"申请临时救助{amount:,}元和就业帮扶。")

    def household(self, age, male, day):
        rng = self.rng
        members = []
        if age > 22 and rng.random() < 0.75:
            spouse_age = max(20, age + rng.randint(-5, 5))
            members.append(("配偶", spouse_age, not male))
        if 24 < age < 70:
            for _ in range(rng.choices([0, 1, 2, 3], [25, 40, 28, 7])[0]):
                child_age = rng.randint(max(0, age - 40), max(0, age - 20))
                son = rng.random() < 0.5
                members.append(("儿子" if son else "女儿", child_age, son))
        if age < 45 and rng.random() < 0.3:
            members.append(("母亲", age + rng.randint(20, 32), False))
        result = []
        for relation, member_age, member_male in members:
            name = self.name()
            condition = (
                "在校学生"
                if 6 <= member_age <= 22
                else "学龄前儿童"
                if member_age < 6
                else rng.choice(CONDITIONS)
            )
            result.append(
                HouseholdMember(
                    name=name,
                    relation=relation,
                    id_number=self.id_number(self.born(member_age, day), member_male),
                    condition=condition,
                )
            )
        return result

    def item_history(self, items):
        for item in items:
            office_item = getattr(item, "_office_item", False)
            first = AgendaItem.Status.ACCEPTED if office_item else AgendaItem.Status.SUBMITTED
            state = {"status": first, "meeting_id": None, "order": None, "version": 1}
            self.history.add(item, item.submitted_at, item.submitted_by, kind="+", **state)
            for at, action, by, _comment in item._events:
                if action == AgendaStep.Action.ACCEPTED:
                    state["status"] = AgendaItem.Status.ACCEPTED
                    if office_item:
                        continue  # created accepted by submit_office_item
                elif action == AgendaStep.Action.RETURNED:
                    state["status"] = AgendaItem.Status.RETURNED
                elif action == AgendaStep.Action.EDITED:
                    state["status"], state["version"] = AgendaItem.Status.SUBMITTED, item.version
                elif action == AgendaStep.Action.REJECTED:
                    state["status"] = AgendaItem.Status.REJECTED
                elif action == AgendaStep.Action.WITHDRAWN:
                    state["status"] = AgendaItem.Status.WITHDRAWN
                elif action == AgendaStep.Action.SCHEDULED:
                    state.update(
                        status=AgendaItem.Status.SCHEDULED,
                        meeting_id=item.meeting_id,
                        order=item.order,
                    )
                elif action == AgendaStep.Action.DELIBERATED:
                    state["status"] = AgendaItem.Status.DELIBERATED
                self.history.add(item, at, by, **state)

    def meeting_history(self):
        m2m_model = m2m_history_model(Meeting, "invited_units")

        def units(m):
            return (
                m2m_model,
                [{"id": i.pk, "meeting_id": m.pk, "unit_id": i.unit_id} for i in m._invites],
            )

        blank = {"status": Meeting.Status.DRAFT, "status_changed_at": None, "notified_at": None}
        for m in self.all_meetings:
            by = m.created_by
            self.history.add(m, m.created_at, by, kind="+", **blank)
            self.history.add(
                m, m.created_at + datetime.timedelta(seconds=1), by, m2m=units(m), **blank
            )
            if m.notified_at:
                state = {
                    "status": Meeting.Status.NOTIFIED,
                    "status_changed_at": m.notified_at,
                    "notified_at": m.notified_at,
                }
                self.history.add(m, m.notified_at, by, m2m=units(m), **state)
            if m._cancelled_at:
                state = {"status": Meeting.Status.CANCELLED, "status_changed_at": m._cancelled_at}
                self.history.add(m, m._cancelled_at, by, m2m=units(m), **state)
            if m._held_at:
                state = {"status": Meeting.Status.HELD, "status_changed_at": m._held_at}
                self.history.add(m, m._held_at, by, m2m=units(m), **state)
            if m._closed_at:
                self.history.add(m, m._closed_at, by, m2m=units(m))

    def attendance(self):
        rng = self.rng
        rows, opinions = [], []
        for m in self.all_meetings:
            if m._held_at is None and not (
                m.kind == Meeting.Kind.WRITTEN and m.status == Meeting.Status.NOTIFIED
            ):
                continue
            day = timezone.localtime(m.starts_at).date()
            if m.kind == Meeting.Kind.WRITTEN:
                for unit in sorted(m._units, key=lambda u: u.order):
                    at = self.between(m.starts_at, m.opinion_deadline)
                    if at > self.now:
                        continue
                    choice = rng.choices(Opinion.Choice.values, [85, 3, 12])[0]
                    text = {
                        Opinion.Choice.AGREE: "",
                        Opinion.Choice.DISAGREE: "建议进一步核实后再研究。",
                        Opinion.Choice.COMMENT: "同意，建议加强部门间信息共享，按期反馈落实情况。",
                    }[choice]
                    opinions.append(
                        Opinion(
                            meeting=m,
                            unit=unit,
                            choice=choice,
                            text=text,
                            by=self.liaison_at(unit.pk, at),
                            at=at,
                        )
                    )
                continue
            unit_ids = {u.pk for u in m._units}
            seats = [s for s in self.seats if s.unit_id in unit_ids or s.pk == m.convener_seat_id]
            for seat in seats:
                term = self.holder(seat.pk, day)
                if term is None:
                    continue
                status = rng.choices(["present", "leave", "delegate"], [85, 8, 7])[0]
                a = Attendance(
                    meeting=m,
                    seat=seat,
                    unit=seat.unit,
                    name=term["name"],
                    post=term["post"],
                    order=seat.order,
                    status=status,
                )
                if status == "delegate":
                    a.delegate_name, a.delegate_post = (
                        self.name(),
                        f"{seat.unit.name}{rng.choice(['科长', '股长', '副局长'])}",
                    )
                a._held = m._held_at
                rows.append(a)
            if rng.random() < 0.3:
                a = Attendance(
                    meeting=m,
                    name=self.name(),
                    post=rng.choice(["旗审计局副局长", "旗信访局副局长", "旗融媒体中心记者"]),
                    status=Attendance.Status.OBSERVER,
                    order=seats[-1].order + 1 if seats else 1,
                )
                a._held = m._held_at
                rows.append(a)
        self.insert(Attendance, rows)
        self.insert(Opinion, opinions)
        for a in rows:
            when = a._held + datetime.timedelta(seconds=1)
            by = a.meeting.created_by
            if a.status in ("leave", "delegate"):
                self.history.add(
                    a, when, by, kind="+", status="present", delegate_name="", delegate_post=""
                )
                self.history.add(a, when + HOUR, by)
            else:
                self.history.add(a, when, by, kind="+")
        for o in opinions:
            self.history.add(o, o.at, o.by, kind="+")

    # --- 4. minutes, decisions, distribution -----------------------------------------------------

    def minutes(self):
        rng = self.rng
        all_minutes, decisions, steps = [], [], []
        for m in self.all_meetings:
            if m._held_at is None:
                continue
            created = self.after(m._held_at, 0, 2)
            if created > self.now:
                continue
            office = self.office_at(created)
            minutes = Minutes(meeting=m, drafted_by=office, status=Minutes.Status.DRAFT, version=2)
            minutes._events = [(created, MinutesStep.Action.CREATED, office, "")]
            minutes._saved = min(
                self.after(created, 0, 1), max(created, self.now - datetime.timedelta(minutes=1))
            )
            units = [it for it in m._items if not getattr(it, "_office_item", False)]
            cases_here = [it for it in m._items if getattr(it, "_office_item", False)]
            minutes.summary = self.summary(m, units, cases_here)
            minutes._decisions = self.decision_texts(m, units, cases_here)
            at = minutes._saved
            flow = [(MinutesStep.Action.SUBMITTED, 1, 3, office, "")]
            if rng.random() < 0.1:
                flow += [
                    (
                        MinutesStep.Action.RETURNED,
                        0,
                        2,
                        None,
                        "请进一步精简会议概况，明确各项议定事项的完成时限。",
                    ),
                    (MinutesStep.Action.SUBMITTED, 0, 2, office, ""),
                ]
            flow += [
                (MinutesStep.Action.APPROVED, 0, 3, None, "同意印发。"),
                (MinutesStep.Action.ISSUED, 0, 2, office, ""),
            ]
            for action, lo, hi, by, comment in flow:
                at = self.after(at, lo, hi)
                if at > self.now:
                    break
                if by is None:
                    by = self.leader_at(at)
                minutes._events.append((at, action, by, comment))
                minutes.status = {
                    MinutesStep.Action.SUBMITTED: Minutes.Status.SUBMITTED,
                    MinutesStep.Action.RETURNED: Minutes.Status.RETURNED,
                    MinutesStep.Action.APPROVED: Minutes.Status.APPROVED,
                    MinutesStep.Action.ISSUED: Minutes.Status.ISSUED,
                }[action]
                if action == MinutesStep.Action.APPROVED:
                    minutes.approved_by, minutes.approved_at = by, at
                if action == MinutesStep.Action.ISSUED:
                    minutes.issued_by, minutes.issued_at = by, at
            all_minutes.append(minutes)
        # 〔2026〕第N期: gapless within the year of issue, in the order of issue.
        issued = sorted(
            (x for x in all_minutes if x.status == Minutes.Status.ISSUED), key=lambda x: x.issued_at
        )
        self.minutes_numbers = defaultdict(int)
        for x in issued:
            x.year = timezone.localtime(x.issued_at).year
            self.minutes_numbers[x.year] += 1
            x.number = self.minutes_numbers[x.year]
            x._events[-1] = (*x._events[-1][:3], x.number_label)
            x.status = Minutes.Status.APPROVED  # until the one PDF exists (a check constraint)
        self.insert(Minutes, all_minutes, 0, 0.1)
        for x in issued:
            x.status = Minutes.Status.ISSUED
        for x in all_minutes:
            for at, action, by, comment in x._events:
                steps.append(MinutesStep(minutes=x, action=action, by=by, at=at, comment=comment))
        self.insert(MinutesStep, steps)

        # Decisions; on issuance each one becomes a task of the ledger.
        through = Decision.responsible_units.through
        for x in all_minutes:
            for order, (text, lead, responsible, deadline) in enumerate(x._decisions, 1):
                d = Decision(minutes=x, order=order, text=text, lead_unit=lead, deadline=deadline)
                d._responsible = responsible
                d._task = None
                decisions.append(d)
                if x.status == Minutes.Status.ISSUED:
                    task = Task(
                        title=text,
                        source=Task.Source.DECISION,
                        source_label=f"{x.number_label}纪要 第{order}项",
                        lead_unit=lead,
                        deadline=deadline,
                        original_deadline=deadline,
                        created_at=x.issued_at,
                        created_by=x.issued_by,
                    )
                    task._resp = responsible
                    d._task = task
                    self.tasks.append(task)
        self.decisions = decisions
        self.all_minutes = all_minutes
        self.progress.advance(0.2)

        # The one real PDF, rendered from the latest issued plenary's minutes.
        self.store_pdf(issued, decisions, through)
        self.progress.advance(0.5)

        # 分送 / 抄送, downloads and 签收 by the units' liaisons.
        copy_unit = self.unit.get(COPY_UNIT_NAME)
        distributions, downloads = [], []
        for x in issued:
            targets = [
                (u, Distribution.Kind.MAIN)
                for u in sorted(x.meeting._units, key=lambda u: u.order)
                if u.kind != Unit.Kind.GOVERNMENT and u.name != COPY_UNIT_NAME
            ]
            if copy_unit is not None:
                targets.append((copy_unit, Distribution.Kind.COPY))
            for unit, kind in targets:
                d = Distribution(minutes=x, unit=unit, kind=kind, delivered_at=x.issued_at)
                d._events = []
                old = x.issued_at < self.now - 30 * DAY
                if rng.random() < 0.9:
                    for _ in range(rng.randint(1, 3)):
                        at = self.after(x.issued_at, 0, 4)
                        if at <= self.now:
                            by = self.liaison_at(unit.pk, at)
                            downloads.append(Download(distribution=d, by=by, at=at))
                            d._events.append((at, "download", by))
                if rng.random() < (0.97 if old else 0.6):
                    at = self.after(x.issued_at, 0, rng.choice([1, 2, 3, 3, 4, 8]))
                    if at <= self.now:
                        d.acknowledged_by, d.acknowledged_at = self.liaison_at(unit.pk, at), at
                        d._events.append((at, "ack", d.acknowledged_by))
                d._events.sort(key=lambda e: e[0])
                for at, what, _by in d._events:
                    if what == "download":
                        d.download_count += 1
                        d.first_downloaded_at = d.first_downloaded_at or at
                distributions.append(d)
        self.insert(Distribution, distributions, 0.5, 0.8)
        self.insert(Download, downloads, 0.8, 0.9)
        for d in distributions:
            state = {
                "first_downloaded_at": None,
                "download_count": 0,
                "acknowledged_by_id": None,
                "acknowledged_at": None,
            }
            self.history.add(d, d.delivered_at, d.minutes.issued_by, kind="+", **state)
            for at, what, by in d._events:
                if what == "download":
                    state["download_count"] += 1
                    state["first_downloaded_at"] = state["first_downloaded_at"] or at
                else:
                    state.update(acknowledged_by_id=by.pk, acknowledged_at=at)
                self.history.add(d, at, by, **state)
        self.minutes_history()
        self.flush_history()
        self.progress.advance(1)

    def store_pdf(self, issued, decisions, through):
        from meetings.pdf import render_minutes_pdf

        # The decisions' tasks are written with the rest of the ledger (supervise()).
        self.insert(Decision, decisions)
        rows = []
        for d in decisions:
            d._through = [through(decision_id=d.pk, unit_id=u.pk) for u in d._responsible]
            rows += d._through
        self.insert(through, rows)
        if not issued:
            self.pdf_name = self.pdf_sha = ""
            return
        plenaries = [x for x in issued if x.meeting.kind == Meeting.Kind.PLENARY] or issued
        sample = plenaries[-1]
        pdf = render_minutes_pdf(
            sample,
            number_label=sample.number_label,
            issued_on=timezone.localtime(sample.issued_at).date(),
        )
        sha = hashlib.sha256(pdf).hexdigest()
        self.pdf_name = default_storage.save(
            f"minutes/{LOAD_PDF_PREFIX}{sha[:12]}.pdf", ContentFile(pdf)
        )
        self.pdf_sha = sha
        for x in issued:
            x.pdf, x.pdf_sha256 = self.pdf_name, sha
        Minutes.objects.filter(pk__in=[x.pk for x in issued]).update(
            status=Minutes.Status.ISSUED, pdf=self.pdf_name, pdf_sha256=sha
        )

    def summary(self, meeting, unit_items, case_items) -> str:
        rng = self.rng
        day = timezone.localtime(meeting.starts_at).date()
        if meeting.kind == Meeting.Kind.WRITTEN:
            head = f"{day.month}月{day.day}日至{meeting.opinion_deadline.month}月{meeting.opinion_deadline.day}日，联席会议办公室组织{meeting.title}，{len(meeting._units)}个成员单位书面反馈了意见。"
        else:
            if meeting.convener_seat_id:
                term = self.holder(meeting.convener_seat_id, day)
                chair = f"{meeting.convener_seat.unit.short_name}{meeting.convener_seat.post}{term['name'] if term else ''}"
            else:
                chair = "联席会议办公室主任"
            head = f"{day.month}月{day.day}日，{chair}主持召开{meeting.title}，{len(meeting._units)}个成员单位负责同志参加会议。"
        body = ""
        if unit_items:
            names = "、".join(dict.fromkeys(it.unit.short_name for it in unit_items[:6]))
            body += f"会议听取了{names}等单位的汇报，研究了{len(unit_items)}项议题。"
        if case_items:
            body += f"会议审议了急难救助个案{len(case_items)}件。"
        tail = rng.choice(
            [
                "会议指出，各成员单位要认真落实分工负责制，加强信息共享，确保困难群众救助有门、受助及时。",
                "会议强调，要坚持“一事一议”，对急难个案及时研究、快速救助，防止发生冲击社会道德底线的事件。",
                "会议要求，各成员单位要按照议定事项明确的时限抓好落实，办结情况及时报联席会议办公室。",
            ]
        )
        return f"{head}{body}\n\n{tail}"

    def decision_texts(self, meeting, unit_items, case_items):
        rng = self.rng
        held = timezone.localtime(meeting._held_at).date()
        result = []
        for item in unit_items[:7]:
            others = [u for u in self.members if u.pk != item.unit.pk]
            responsible = rng.sample(others, rng.choices([0, 1, 2, 3], [20, 40, 30, 10])[0])
            deadline = (
                None
                if rng.random() < 0.05
                else held + datetime.timedelta(days=rng.randint(30, 120))
            )
            by = f"于{cn_date(deadline)}前完成" if deadline else "长期坚持"
            with_ = f"，{'、'.join(u.name for u in responsible)}配合" if responsible else ""
            text = f"同意{item._topic}有关事项。由{item.unit.name}牵头{with_}，{rng.choice(ACTIONS)}，{by}。"
            result.append((text, item.unit, responsible, deadline))
        if case_items:
            deadline = held + datetime.timedelta(days=30)
            text = (
                f"会议审议了急难救助个案{len(case_items)}件，原则同意各个案的救助措施，由旗民政局牵头，"
                f"各落实单位按期落实，于{cn_date(deadline)}前将办结情况报联席会议办公室。"
            )
            result.append((text, self.unit["旗民政局"], [], deadline))
        if not result:
            deadline = held + datetime.timedelta(days=60)
            text = (
                f"各成员单位按照职责分工抓好社会救助政策落实，于{cn_date(deadline)}前报送落实情况。"
            )
            result.append((text, self.unit["旗民政局"], [], deadline))
        return result

    def minutes_history(self):
        m2m_model = m2m_history_model(Decision, "responsible_units")
        for x in self.all_minutes:
            state = {
                "status": Minutes.Status.DRAFT,
                "version": 1,
                "summary": "",
                "approved_by_id": None,
                "approved_at": None,
                "year": None,
                "number": None,
                "issued_by_id": None,
                "issued_at": None,
                "pdf": "",
                "pdf_sha256": "",
            }
            created, _, office, _ = x._events[0]
            self.history.add(x, created, office, kind="+", **state)
            state.update(version=2, summary=x.summary)
            self.history.add(x, x._saved, office, **state)
            for at, action, by, _comment in x._events[1:]:
                if action == MinutesStep.Action.SUBMITTED:
                    state["status"] = Minutes.Status.SUBMITTED
                elif action == MinutesStep.Action.RETURNED:
                    state["status"] = Minutes.Status.RETURNED
                elif action == MinutesStep.Action.APPROVED:
                    state.update(
                        status=Minutes.Status.APPROVED, approved_by_id=by.pk, approved_at=at
                    )
                else:
                    state.update(
                        status=Minutes.Status.ISSUED,
                        year=x.year,
                        number=x.number,
                        issued_by_id=by.pk,
                        issued_at=at,
                        pdf=self.pdf_name,
                        pdf_sha256=self.pdf_sha,
                    )
                self.history.add(x, at, by, **state)
        for d in self.decisions:
            x = d.minutes
            self.history.add(d, x._saved, x.drafted_by, kind="+", task_id=None)
            if d._through:
                many = (
                    m2m_model,
                    [{"id": t.pk, "decision_id": d.pk, "unit_id": t.unit_id} for t in d._through],
                )
                self.history.add(
                    d,
                    x._saved + datetime.timedelta(seconds=1),
                    x.drafted_by,
                    task_id=None,
                    m2m=many,
                )

    # --- 5. the supervision ledger: every task's course -----------------------------------------

    def supervise(self):
        rng = self.rng
        # Office assignments (办公室交办) make up the year's tasks.
        target = int(TASKS_PER_YEAR * self.years_span())
        span = (self.now - aware(self.start)).total_seconds()
        for _ in range(max(target - len(self.tasks), target // 10)):
            created = aware(self.start) + datetime.timedelta(seconds=rng.uniform(0, span))
            created = self.after(created, 0, 0)
            if created > self.now:
                created = self.now - HOUR
            lead = rng.choice(self.members)
            others = [u for u in self.members if u.pk != lead.pk]
            year = timezone.localtime(created).year
            label = rng.choice(
                [
                    f"旗政府督查通知〔{year}〕{rng.randint(1, 60)}号",
                    "旗领导批示",
                    "联席会议办公室通知",
                    "",
                ]
            )
            task = Task(
                title=f"{rng.choice(OFFICE_PREFIXES)}{rng.choice(OFFICE_TASKS)}",
                source=Task.Source.OFFICE,
                source_label=label,
                lead_unit=lead,
                deadline=timezone.localtime(created).date()
                + datetime.timedelta(days=rng.randint(15, 90)),
                created_at=created,
                created_by=self.office_at(created),
            )
            task.original_deadline = task.deadline
            task._resp = rng.sample(others, rng.choices([0, 1, 2, 3], [40, 30, 20, 10])[0])
            self.tasks.append(task)

        parts, feedback, extensions, escalations = [], [], [], []
        for i, task in enumerate(self.tasks):
            if i % 1000 == 0:
                self.progress.advance(0.4 * i / len(self.tasks))
            self.course(task, parts, feedback, extensions, escalations)
        self.insert(Task, self.tasks, 0.4, 0.5)
        # Issuance pointed each decision at its task (_create_tasks).
        linked = [d for d in self.decisions if d._task is not None]
        for d in linked:
            d.task = d._task
        Decision.objects.bulk_update(linked, ["task"], batch_size=BATCH)
        decision_m2m = m2m_history_model(Decision, "responsible_units")
        for d in linked:
            many = (
                decision_m2m,
                [{"id": t.pk, "decision_id": d.pk, "unit_id": t.unit_id} for t in d._through],
            )
            self.history.add(
                d, d.minutes.issued_at, d.minutes.issued_by, m2m=many if d._through else None
            )
        for m in self.measures:
            m.task = m._task
        self.insert(Measure, self.measures)
        through = Task.responsible_units.through
        task_through = []
        for t in self.tasks:
            t._through = [through(task_id=t.pk, unit_id=u.pk) for u in t._resp]
            task_through += t._through
        self.insert(through, task_through)
        self.insert(TaskUnit, parts, 0.5, 0.6)
        self.insert(Feedback, feedback, 0.6, 0.7)
        self.insert(Extension, extensions)
        # 督通〔2025〕3号: numbered within level and year, in date order.
        escalations.sort(key=lambda e: (e.date, e.created_at))
        self.escalation_numbers = defaultdict(int)
        for e in escalations:
            e.task_id = e.task.pk
            e.year = e.date.year
            self.escalation_numbers[(e.level, e.year)] += 1
            e.number = self.escalation_numbers[(e.level, e.year)]
        self.insert(Escalation, escalations)
        self.progress.advance(0.75)

        # History of the ledger.
        m2m_model = m2m_history_model(Task, "responsible_units")
        for t in self.tasks:
            many = (
                m2m_model,
                [{"id": r.pk, "task_id": t.pk, "unit_id": r.unit_id} for r in t._through],
            )
            state = {
                "status": Task.Status.OPEN,
                "deadline": t.original_deadline,
                "closed_at": None,
                "closed_by_id": None,
                "close_reason": "",
            }
            self.history.add(t, t.created_at, t.created_by, kind="+", **state)
            if t._through:
                self.history.add(
                    t, t.created_at + datetime.timedelta(seconds=1), t.created_by, m2m=many, **state
                )
            for at, by, changes in t._changes:
                state.update(changes)
                self.history.add(t, at, by, m2m=many if t._through else None, **state)
        for p in parts:
            self.history.add(
                p, p.task.created_at, p.task.created_by, kind="+", done_at=None, done_by_id=None
            )
            if p.done_at:
                self.history.add(p, p.done_at, p.done_by)
        for f in feedback:
            self.history.add(f, f.at, f.by, kind="+")
        for e in extensions:
            self.history.add(
                e,
                e.requested_at,
                e.requested_by,
                kind="+",
                status=Extension.Status.PENDING,
                decided_by_id=None,
                decided_at=None,
                decision_comment="",
            )
            if e.decided_at:
                self.history.add(e, e.decided_at, e.decided_by)
        for e in escalations:
            self.history.add(
                e, e.created_at, e.created_by, kind="+", resolved_at=None, resolution=""
            )
            if e.resolved_at:
                self.history.add(e, e.resolved_at, self.office_at(e.resolved_at))
        for m in self.measures:
            decided, office = m._decided
            self.history.add(m, decided, office, kind="+", task_id=None)
            if m.task_id:
                self.history.add(m, m._task.created_at, m._task.created_by)
        self.flush_history()
        self.progress.advance(0.9)

        # Cases whose every measure is done are closed (办结).
        closed_cases = []
        for c in self.cases_list:
            tasks = getattr(c, "_tasks", None)
            if not tasks or any(t.status == Task.Status.OPEN for t in tasks):
                continue
            at = self.after(max(t.closed_at for t in tasks), 1, 5)
            if at > self.now:
                continue
            office = self.office_at(at)
            c.status = Case.Status.CLOSED
            closed_cases.append(c)
            self.history.add(c, at, office, status=Case.Status.CLOSED)
            c._closed = CaseStep(case=c, status=Case.Status.CLOSED, by=office, at=at)
        Case.objects.bulk_update(closed_cases, ["status"], batch_size=BATCH)
        self.insert(CaseStep, [c._closed for c in closed_cases])
        self.flush_history()
        self.progress.advance(1)

    def course(self, task, parts, feedback, extensions, escalations):
        """How one task went: feedback, parts done, extension, escalation, closure."""
        rng = self.rng
        task._changes = []
        created = task.created_at
        start = timezone.localtime(created).date()
        due = task.deadline or start + datetime.timedelta(days=90)
        units = [(task.lead_unit, TaskUnit.Role.LEAD)] + [
            (u, TaskUnit.Role.RESPONSIBLE) for u in task._resp
        ]
        late_unit = rng.choice(units)[0]
        r = rng.random()
        stale = False
        if r < 0.015:
            finish = None  # never finished: a red light that stays
            if (self.today - due).days > 365:  # until the office gives up on it (销号)
                finish, stale = due + datetime.timedelta(days=rng.randint(200, 365)), True
        elif r < 0.78:
            room = max(0, min(10, (due - start).days - 2))
            finish = due - datetime.timedelta(days=rng.randint(0, room))
        else:
            finish = due + datetime.timedelta(days=rng.randint(1, 60))
        finished_at = (
            None
            if finish is None
            else max(aware(weekday(finish), rng.randint(9, 17), rng.randint(0, 59)), created + HOUR)
        )
        # A unit running late asks for more time (延期申请); the office decides.
        if finish is not None and finish > due and rng.random() < 0.35:
            asked = max(
                aware(weekday(due - datetime.timedelta(days=rng.randint(1, 5))), 10),
                created + 2 * HOUR,
            )
            if asked <= self.now:
                unit = late_unit
                e = Extension(
                    task=task,
                    unit=unit,
                    old_deadline=task.deadline,
                    new_deadline=max(
                        finish + datetime.timedelta(days=rng.randint(0, 10)),
                        timezone.localtime(asked).date() + DAY,
                    ),
                    reason=rng.choice(EXTENSION_REASONS),
                    requested_by=self.liaison_at(unit.pk, asked),
                    requested_at=asked,
                )
                decided = self.after(asked, 1, 3)
                open_now = finished_at is None or finished_at > self.now
                if decided <= self.now and (finished_at is None or decided < finished_at):
                    office = self.office_at(decided)
                    approve = rng.random() < 0.75
                    e.status = Extension.Status.APPROVED if approve else Extension.Status.REFUSED
                    e.decided_by, e.decided_at = office, decided
                    e.decision_comment = "" if approve else "该事项时限要求明确，请加快办理进度。"
                    if approve:
                        task.deadline = e.new_deadline
                        due = task.deadline
                        task._changes.append((decided, office, {"deadline": task.deadline}))
                    extensions.append(e)
                elif decided > self.now and open_now:
                    extensions.append(e)  # still waiting for the office
        # Escalation of a late task: 通报, then 约谈, then 挂牌督办.
        end = finished_at if finished_at is not None else self.now
        level_days = [
            (Escalation.Level.NOTICE, 7, 14, 0.4),
            (Escalation.Level.INTERVIEW, 30, 40, 0.5),
            (Escalation.Level.LISTED, 60, 75, 0.5),
        ]
        for level, lo, hi, p in level_days:
            day = weekday(due + datetime.timedelta(days=rng.randint(lo, hi)))
            at = aware(day, 10, rng.randint(0, 59))
            if at >= end or at > self.now or at <= created or rng.random() > p:
                break
            office = self.office_at(at)
            e = Escalation(
                task=task,
                unit=late_unit,
                level=level,
                date=day,
                created_by=office,
                created_at=at,
                content={
                    Escalation.Level.NOTICE: f"{late_unit.name}承办的“{task.title[:30]}”逾期未办结，予以通报。",
                    Escalation.Level.INTERVIEW: f"约谈{late_unit.name}分管负责同志，督促加快办理进度。",
                    Escalation.Level.LISTED: f"对{late_unit.name}承办的逾期事项挂牌督办，限期整改。",
                }[level],
            )
            if level == Escalation.Level.INTERVIEW:
                e.attendees = f"{late_unit.name}分管负责同志、联络员；联席会议办公室主任"
                e.agreed = "限期10个工作日内办结并书面报告。"
            if level == Escalation.Level.LISTED:
                e.rectify_by = day + datetime.timedelta(days=rng.randint(15, 30))
            if finished_at is not None and finished_at <= self.now:
                resolved = self.after(finished_at, 0, 3)
                if resolved <= self.now:
                    e.resolved_at, e.resolution = resolved, "已整改到位，事项已办结。"
            escalations.append(e)
        # Each unit reports on its own part, then says it is done.
        closed = finished_at is not None and finished_at <= self.now
        office_closes = closed and (stale or rng.random() < 0.03)
        for unit, role in units:
            part = TaskUnit(task=task, unit=unit, role=role)
            parts.append(part)
            last = timezone.localtime(finished_at).date() if closed else self.today
            if role == TaskUnit.Role.RESPONSIBLE and closed:
                last = max(start, last - datetime.timedelta(days=rng.randint(0, 3)))
            reports = rng.randint(1, 3) if closed else rng.choices([0, 1, 2], [35, 45, 20])[0]
            span = max(0, (last - start).days)
            for day in sorted(
                start + datetime.timedelta(days=rng.randint(min(1, span), span))
                for _ in range(reports)
            ):
                at = aware(day, rng.randint(8, 17), rng.randint(0, 59))
                if at > self.now or at < created:
                    continue
                by = self.liaison_at(unit.pk, at)
                feedback.append(
                    Feedback(
                        task=task,
                        unit=unit,
                        by=by,
                        date=day,
                        at=at,
                        text=rng.choice(FEEDBACK).format(
                            n=rng.randint(5, 300), a=rng.randint(2, 200)
                        ),
                    )
                )
                part._last = at
            done = None
            if closed and not office_closes:
                done = (
                    finished_at
                    if role == TaskUnit.Role.LEAD
                    else max(getattr(part, "_last", created), aware(last, 17, 30))
                )
                done = min(done, finished_at)
                if not hasattr(part, "_last"):
                    feedback.append(
                        Feedback(
                            task=task,
                            unit=unit,
                            by=self.liaison_at(unit.pk, done),
                            date=timezone.localtime(done).date(),
                            at=done - datetime.timedelta(minutes=30),
                            text="已按要求完成，相关材料已报联席会议办公室备案。",
                        )
                    )
            elif (
                not closed
                and role == TaskUnit.Role.RESPONSIBLE
                and hasattr(part, "_last")
                and rng.random() < 0.4
            ):
                done = part._last + datetime.timedelta(minutes=20)
            if done is not None and done <= self.now:
                part.done_at, part.done_by = done, self.liaison_at(unit.pk, done)
        if closed:
            if office_closes:
                by = self.office_at(finished_at)
                task.status, task.close_reason = Task.Status.CLOSED, rng.choice(CLOSE_REASONS)
            else:
                by = self.liaison_at(task.lead_unit.pk, finished_at)
                task.status = Task.Status.DONE
            task.closed_at, task.closed_by = finished_at, by
            task._changes.append(
                (
                    finished_at,
                    by,
                    {
                        "status": task.status,
                        "closed_at": finished_at,
                        "closed_by_id": by.pk,
                        "close_reason": task.close_reason,
                    },
                )
            )
        else:
            task.status = Task.Status.OPEN

    # --- 6. numbers ------------------------------------------------------------------------------

    def sequences(self):
        wanted = {}
        for year, n in self.minutes_numbers.items():
            wanted[f"minutes-{year}"] = n
        for (level, year), n in self.escalation_numbers.items():
            wanted[f"escalation-{level}-{year}"] = n
        for c in self.cases_list:
            key = f"case-{c.year}"
            wanted[key] = max(wanted.get(key, 0), c.number)
        for key, n in wanted.items():
            Sequence.objects.update_or_create(key=key, defaults={"last_number": n})

    def counts(self):
        models = [
            ("会议 Meeting", Meeting),
            ("议题 AgendaItem", AgendaItem),
            ("议题办理记录 AgendaStep", AgendaStep),
            ("出席 Attendance", Attendance),
            ("书面意见 Opinion", Opinion),
            ("纪要 Minutes", Minutes),
            ("  其中已印发", Minutes.objects.filter(status=Minutes.Status.ISSUED)),
            ("议定事项 Decision", Decision),
            ("分送 Distribution", Distribution),
            ("  其中已签收", Distribution.objects.filter(acknowledged_at__isnull=False)),
            ("下载记录 Download", Download),
            ("督办事项 Task", Task),
            ("单位办理 TaskUnit", TaskUnit),
            ("进展反馈 Feedback", Feedback),
            ("延期申请 Extension", Extension),
            ("督办升级 Escalation", Escalation),
            ("个案 Case", Case),
            ("家庭成员 HouseholdMember", HouseholdMember),
            ("核对 Verification", Verification),
            ("救助措施 Measure", Measure),
            ("个案办理记录 CaseStep", CaseStep),
            ("任职 Tenure", Tenure),
            ("联络员 Liaison", Liaison),
            ("人员 Person", Person),
            ("账号 User", User),
        ]
        result = []
        for label, source in models:
            qs = (
                source
                if hasattr(source, "count") and not isinstance(source, type)
                else source.objects
            )
            result.append((label, qs.count()))
        result.append(("历史记录 simple-history", self.history_rows))
        return result
