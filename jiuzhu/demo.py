"""A believable year of the joint meeting, made through the real services (so every rule holds).

Used by `manage.py seed_demo` (DEBUG only). Fictitious content; real units and roster.
"""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

from duties import services as duties_services
from duties.models import Duty, Escalation, Task
from meetings import services
from meetings.models import Meeting
from members.models import Liaison, Person, Seat, Unit, User
from members.permissions import Role

DEMO_PASSWORD = "jiuzhu-demo"  # noqa: S105 — demo accounts exist only with DEBUG on

# username, role, unit name, display name (last, first), liaison post
DEMO_ACCOUNTS = [
    ("office", Role.OFFICE, "旗民政局", ("办公室", "工作人员"), ""),
    ("leader", Role.LEADER, "旗人民政府", ("李", "贵"), ""),
    ("liaison", Role.LIAISON, "旗民政局", ("民政局", "联络员"), "社会救助股股长"),
    ("liaison2", Role.LIAISON, "旗教体局", ("教体局", "联络员"), "学生资助中心主任"),
    ("member", Role.MEMBER, "旗财政局", ("财政局", "成员"), ""),
]
# More liaisons, so that the demo has units that have and have not acknowledged or answered.
EXTRA_LIAISONS = [
    ("liaison-gongan", "旗公安局", "治安大队副大队长"),
    ("liaison-renshe", "旗人力资源和社会保障局", "就业股股长"),
    ("liaison-zhengfuban", "旗人民政府办公室", "督查室主任"),
    ("liaison-yibao", "旗医疗保障局", "待遇保障股股长"),
    ("liaison-ziran", "旗自然资源局", "不动产登记中心主任"),
]


def _local(days=0, hour=9, minute=0, base=None):
    day = (base or timezone.localdate()) + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


def _unit(name):
    return Unit.objects.get(name=name)


def _duty(number):
    return Duty.objects.get(category=Duty.Category.DEPARTMENT, number=number)


def ensure_accounts(stdout=None):
    """The demo accounts; existing ones (and their passwords) are left as they are."""
    created_names = []
    accounts = DEMO_ACCOUNTS + [
        (username, Role.LIAISON, unit, None, post) for username, unit, post in EXTRA_LIAISONS
    ]
    for username, role, unit_name, names, liaison_post in accounts:
        unit = _unit(unit_name)
        last, first = names or (unit.short_name, "联络员")
        user, created = User.objects.get_or_create(
            username=username, defaults={"last_name": last, "first_name": first, "unit": unit}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created_names.append(username)
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
        if liaison_post:
            person, _ = Person.objects.get_or_create(user=user, defaults={"name": f"{last}{first}"})
            Liaison.objects.get_or_create(
                unit=unit,
                person=person,
                end=None,
                defaults={"post": liaison_post, "start": "2024-06-25"},
            )
        if stdout:
            state = "已创建" if created else "已存在，保持不变"
            stdout.write(f"{username}（{role.value}，{unit.name}）：{state}")
    return created_names


def build_demo_year():
    """A held plenary with issued minutes, a special meeting in preparation, a written review."""
    users = {u.username: u for u in User.objects.all()}
    office, leader = users["office"], users["leader"]
    liaison, liaison2 = users["liaison"], users["liaison2"]
    today = timezone.localdate()

    # 1. The year's plenary (全体会议), held in June, minutes issued and partly acknowledged.
    item = services.submit_item(
        by=liaison,
        title="关于提高城乡低保保障标准的议题",
        background="根据自治区最新标准和本旗物价指数变化，现行城乡低保标准已低于周边旗区。",
        proposal="建议城市低保标准每人每月提高 50 元、农村低保标准每年提高 600 元，自下半年起执行。",
        duty=_duty(9),
    )
    services.review_item(item, by=office, action="accept")
    item2 = services.submit_item(
        by=liaison2,
        title="关于建立困难学生教育救助快速响应机制的议题",
        background="部分困难家庭学生因突发变故面临辍学风险，现有申报周期较长。",
        proposal="建议教体、民政两部门共享低保、特困名单，学生资助实行“先救助、后补审”。",
        duty=_duty(7),
    )
    services.review_item(item2, by=office, action="accept")
    june = datetime.date(today.year, 6, 5)
    plenary_day = june if today > june else today - datetime.timedelta(days=30)
    plenary = services.create_meeting(
        services.MeetingData(
            kind=Meeting.Kind.PLENARY,
            title=f"{plenary_day.year}年社会救助联席会议全体会议",
            starts_at=_local(base=plenary_day, hour=9, minute=30),
            place="旗政府四楼第一会议室",
            convener_seat=Seat.objects.get(role=Seat.Role.LEADER),
        ),
        by=office,
    )
    services.schedule_item(item, by=office, meeting=plenary)
    services.schedule_item(item2, by=office, meeting=plenary)
    services.notify_meeting(plenary, by=office)
    services.hold_meeting(plenary, by=office)
    rows = list(plenary.attendances.all())
    services.record_attendance(
        plenary,
        [
            (rows[5].pk, "leave", "", ""),
            (rows[9].pk, "delegate", "白云峰", "旗公安局治安大队大队长"),
        ],
        by=office,
    )
    services.add_observer(plenary, by=office, name="刘志强", post="旗审计局副局长")
    minutes = services.create_minutes(plenary, by=office)
    services.save_minutes(
        minutes,
        by=office,
        version=minutes.version,
        summary=(
            f"{plenary_day.month}月{plenary_day.day}日，副旗长李贵主持召开全旗社会救助联席会议全体会议，"
            "听取了旗民政局关于上半年社会救助工作情况的汇报，研究了城乡低保标准调整和困难学生教育救助等事项。\n\n"
            "会议指出，各成员单位要认真落实分工负责制，加强信息共享，确保困难群众救助有门、受助及时。"
        ),
        decisions=[
            services.DecisionData(
                text="同意城乡低保标准调整方案，由旗民政局牵头、旗财政局配合，按期完成标准调整并足额发放。",
                lead_unit=_unit("旗民政局"),
                responsible_units=[_unit("旗财政局")],
                deadline=today - datetime.timedelta(days=25),
            ),
            services.DecisionData(
                text="建立困难学生教育救助快速响应机制，由旗教体局牵头，旗民政局、旗财政局配合，出台实施办法。",
                lead_unit=_unit("旗教体局"),
                responsible_units=[_unit("旗民政局"), _unit("旗财政局")],
                deadline=today - datetime.timedelta(days=5),
            ),
            services.DecisionData(
                text="各镇人民政府进一步落实困难群众主动发现机制，每季度向办公室报送动态管理台账。",
                lead_unit=_unit("阿勒腾席热镇"),
                responsible_units=list(
                    Unit.objects.filter(kind=Unit.Kind.TOWN).exclude(name="阿勒腾席热镇")
                ),
                deadline=today + datetime.timedelta(days=35),
            ),
        ],
    )
    services.submit_minutes(minutes, by=office)
    services.approve_minutes(minutes, by=leader, comment="同意印发。")
    minutes = services.issue_minutes(minutes, by=office)
    for username in ("liaison2", "liaison-gongan", "liaison-zhengfuban"):
        services.record_download(minutes, by=users[username])
        services.acknowledge(minutes, by=users[username])
    services.record_download(
        minutes, by=users["liaison-renshe"]
    )  # downloaded, not yet acknowledged

    # 2. A special meeting (专题会议) being prepared, with items in every state.
    special = services.create_meeting(
        services.MeetingData(
            kind=Meeting.Kind.SPECIAL,
            title="冬季困难群众取暖救助专题会议",
            starts_at=_local(days=14, hour=15),
            place="旗民政局三楼会议室",
            host_name="梁之维",
            host_post="旗民政局局长",
            invited_units=[
                _unit(n) for n in ("旗民政局", "旗财政局", "旗应急管理局", "旗住房保障综合服务中心")
            ],
        ),
        by=office,
    )
    scheduled = services.submit_item(
        by=liaison,
        title="关于发放冬季取暖救助金的议题",
        background="今冬气温偏低，低保、特困家庭取暖支出增加。",
        proposal="建议对全旗低保、特困家庭每户一次性发放取暖救助金 800 元。",
        duty=_duty(9),
    )
    services.review_item(scheduled, by=office, action="accept")
    services.schedule_item(scheduled, by=office, meeting=special)
    accepted = services.submit_item(
        by=liaison2,
        title="关于寄宿制学校困难学生冬季衣物保障的议题",
        background="部分寄宿生冬季衣物不足。",
        proposal="建议联合旗红十字会开展冬衣募集，由学校统一发放。",
        duty=_duty(7),
    )
    services.review_item(accepted, by=office, action="accept", comment="拟列入下次专题会议。")
    returned = services.submit_item(
        by=users["liaison-yibao"],
        title="关于困难群众大病救助“一站式”结算的议题",
        background="困难群众就医需多处往返报销。",
        proposal="建议在旗人民医院设立一站式结算窗口。",
        duty=_duty(18),
    )
    services.review_item(returned, by=office, action="return", comment="请补充涉及人数和资金测算。")
    services.submit_item(
        by=users["liaison-renshe"],
        title="关于零就业困难家庭就业援助的议题",
        background="全旗尚有零就业困难家庭 37 户。",
        proposal="建议开发公益性岗位优先安置。",
        duty=_duty(12),
    )

    # 3. A written review (书面审议) waiting for some units' opinions.
    written_item = services.submit_item(
        by=liaison,
        title="关于修订《伊金霍洛旗临时救助实施细则》的议题",
        background="现行细则制定于2021年，部分条款与新规定不一致。",
        proposal="修订稿已征求各镇意见，请各成员单位书面审议。",
        duty=_duty(9),
    )
    services.review_item(written_item, by=office, action="accept")
    written = services.create_meeting(
        services.MeetingData(
            kind=Meeting.Kind.WRITTEN,
            title="《临时救助实施细则》修订稿书面审议",
            starts_at=_local(days=-2, hour=10),
            invited_units=[
                _unit(n)
                for n in ("旗民政局", "旗教体局", "旗财政局", "旗公安局", "旗人力资源和社会保障局")
            ],
            opinion_deadline=_local(days=5, hour=17, minute=30),
        ),
        by=office,
    )
    services.schedule_item(written_item, by=office, meeting=written)
    services.notify_meeting(written, by=office)
    services.record_opinion(written, by=liaison, choice="agree")
    services.record_opinion(
        written,
        by=users["liaison-gongan"],
        choice="comment",
        text="建议第十二条增加户籍核对的时限要求。",
    )
    # 4. Supervision: tasks in every light, an extension request, one escalation of each level.
    build_supervision(minutes, users, today)
    # 5. Urgent cases in different states; one deliberated in the written review of step 3.
    build_cases(users, written, today)
    # 6. 救助信息报送: last quarter's round with every kind of report; earlier rounds to compare.
    build_reports(users, today)
    # 7. 政策清单 of several units, one revised; this year's 梳理, partly confirmed.
    build_policies(users, today)
    # 8. 年度考评: last year's published (one unit under 一票否决), this year's in draft.
    build_assessments(users, today)
    return {"plenary": plenary, "special": special, "written": written, "minutes": minutes}


def build_supervision(minutes, users, today):
    office, liaison, liaison2 = users["office"], users["liaison"], users["liaison2"]
    low, school, towns = (
        d.task for d in minutes.decisions.select_related("task").order_by("order")
    )
    # Red: 低保标准 is 25 days late; 民政局 reported, 财政局 has not.
    duties_services.add_feedback(
        low,
        by=liaison,
        text="调整方案已报旗政府常务会审定，待财政资金到位后发放。",
        date=today - datetime.timedelta(days=20),
    )
    duties_services.request_extension(
        low,
        by=liaison,
        new_deadline=today + datetime.timedelta(days=20),
        reason="旗财政追加预算需经人大常委会审议。",
    )
    duties_services.escalate(
        low,
        by=office,
        unit=_unit("旗财政局"),
        level=Escalation.Level.NOTICE,
        date=today - datetime.timedelta(days=10),
        content="旗财政局承担的低保标准调整资金保障工作逾期未完成，也未反馈进展，予以通报。",
    )
    # Red too: the school mechanism; its lead unit was called to an interview.
    duties_services.escalate(
        school,
        by=office,
        unit=_unit("旗教体局"),
        level=Escalation.Level.INTERVIEW,
        date=today - datetime.timedelta(days=3),
        content="就困难学生教育救助快速响应机制迟未出台进行约谈。",
        attendees="刘建军（旗教体局副局长）、办公室工作人员",
        agreed="两周内出台实施办法并报办公室备案。",
    )
    duties_services.escalate(
        towns,
        by=office,
        unit=_unit("纳林陶亥镇"),
        level=Escalation.Level.LISTED,
        date=today - datetime.timedelta(days=2),
        content="纳林陶亥镇连续两个季度未报送动态管理台账，挂牌督办。",
        rectify_by=today + datetime.timedelta(days=15),
    )
    # Yellow: due in two days.
    duties_services.create_task(
        title="报送本年度社会救助资金使用情况公示材料",
        source=Task.Source.OFFICE,
        source_label="办公室交办",
        lead_unit=_unit("旗民政局"),
        responsible_units=[_unit("旗财政局")],
        deadline=today + datetime.timedelta(days=2),
        by=office,
    )
    # Closed: done by both units, closed by the lead unit.
    done = duties_services.create_task(
        title="联合开展冬季困难学生走访慰问",
        source=Task.Source.OFFICE,
        source_label="办公室交办",
        lead_unit=_unit("旗教体局"),
        responsible_units=[_unit("旗民政局")],
        deadline=today - datetime.timedelta(days=1),
        by=office,
    )
    duties_services.add_feedback(
        done,
        by=liaison,
        text="已提供低保家庭学生名单 312 人。",
        date=today - datetime.timedelta(days=6),
    )
    duties_services.mark_part_done(done, by=liaison)
    duties_services.add_feedback(
        done,
        by=liaison2,
        text="已走访慰问 312 人，发放慰问金。",
        date=today - datetime.timedelta(days=2),
    )
    duties_services.complete_task(done, by=liaison2)


# Fictitious people with well-formed (valid check digit) but invented ID numbers.
DEMO_CASES = [
    (
        "张建国",
        "152627",
        datetime.date(1971, 4, 12),
        "纳林陶亥镇",
        "纳林陶亥镇新庙村三社",
        "illness",
        "户主突发脑出血住院治疗，已花费医疗费 12 万元，家中无其他劳动力。",
        "大病医疗救助和临时生活救助。",
        "active",
    ),
    (
        "李秀兰",
        "152627",
        datetime.date(1958, 11, 3),
        "札萨克镇",
        "札萨克镇门克庆村二社",
        "disaster",
        "房屋因暴雨部分倒塌，老人独居。",
        "住房修缮和临时安置。",
        "applied",
    ),
    (
        "王海军",
        "152627",
        datetime.date(1985, 7, 21),
        "阿勒腾席热镇",
        "阿勒腾席热镇某小区",
        "emergency",
        "家中突发火灾，妻子烧伤住院。",
        "临时救助和医疗救助。",
        "applied",
    ),
    (
        "赵玉梅",
        "152627",
        datetime.date(1990, 2, 8),
        "红庆河镇",
        "红庆河镇某村",
        "schooling",
        "丈夫去世，两个孩子在读，家庭无稳定收入。",
        "教育救助和低保。",
        "active",
    ),
]


def build_cases(users, written, today):
    from cases import services as case_services
    from cases.identity import make_id

    office = users["office"]
    cases = []
    for i, (name, region, born, town, address, category, facts, ask, found) in enumerate(
        DEMO_CASES, 1
    ):
        data = case_services.CaseData(
            applicant=name,
            id_number=make_id(region, born, 100 + i),
            phone=f"1380477{i:04d}",
            town=_unit(town),
            address=address,
            category=category,
            facts=facts,
            requested_help=ask,
            found_by=found,
            household=[
                case_services.MemberData(
                    f"{name[0]}小{'明红刚丽'[i - 1]}",
                    "子女",
                    make_id(region, datetime.date(2010 + i, 3, 1), 200 + i),
                    "在校学生",
                )
            ],
        )
        cases.append(case_services.register_case(data, by=office))
    illness, disaster, fire, school = cases
    # Deliberated in the written review, measures handed out as tasks.
    for unit, subject, answer in (
        ("旗公安局", "户籍、车辆", "户籍人口 3 人，名下无机动车辆。"),
        ("旗自然资源局", "房产", "名下仅有农村自建房一处。"),
    ):
        v = case_services.request_verification(
            illness, by=office, unit=_unit(unit), subject=subject
        )
        case_services.answer_verification(v, by=_demo_liaison(unit), answer=answer)
    case_services.submit_for_deliberation(illness, by=office, meeting=written)
    # The fire: deliberated at once in its own written review, measures now tasks.
    review = meeting_services_for_demo(office, fire, today)
    case_services.record_decision(
        fire,
        by=office,
        measures=[
            case_services.MeasureData(
                _unit("旗民政局"), "发放临时救助金", today + datetime.timedelta(days=7), 8000
            ),
            case_services.MeasureData(
                _unit("旗医疗保障局"),
                "落实医疗救助，一站式结算",
                today + datetime.timedelta(days=20),
                30000,
            ),
            case_services.MeasureData(
                _unit("阿勒腾席热镇"), "协调临时安置住房", today + datetime.timedelta(days=3)
            ),
        ],
    )
    case_services.start_measures(fire, by=office)
    del review
    # Verifications outstanding: 税务 and 人社 have not answered yet.
    case_services.request_verification(
        disaster, by=office, unit=_unit("旗人力资源和社会保障局"), subject="社保、就业"
    )
    case_services.request_verification(disaster, by=office, unit=_unit("旗税务局"), subject="纳税")
    # 不予救助.
    case_services.request_verification(
        school, by=office, unit=_unit("旗公安局"), subject="户籍、车辆"
    )
    case_services.refuse_case(
        school, by=office, reason="经核对，家庭已纳入低保并享受教育资助，不属于急难救助范围。"
    )
    return cases


def meeting_services_for_demo(office, case, today):
    """A written review of one case, already finished (all answered), so measures can follow."""
    from cases import services as case_services

    v = case_services.request_verification(
        case, by=office, unit=_unit("旗公安局"), subject="户籍、车辆"
    )
    case_services.answer_verification(
        v, by=_demo_liaison("旗公安局"), answer="户籍人口 2 人，无车辆。"
    )
    review = services.create_meeting(
        services.MeetingData(
            kind=Meeting.Kind.WRITTEN,
            title=f"{case.number_label}急难救助书面审议",
            starts_at=_local(days=-4, hour=9),
            invited_units=[_unit(n) for n in ("旗民政局", "旗医疗保障局", "阿勒腾席热镇")],
            opinion_deadline=_local(days=-1, hour=17),
        ),
        by=office,
    )
    case_services.submit_for_deliberation(case, by=office, meeting=review)
    services.notify_meeting(review, by=office)
    services.hold_meeting(review, by=office)
    return review


def _demo_liaison(unit_name):
    """The demo liaison of a unit (EXTRA_LIAISONS covers every unit the demo needs)."""
    return User.objects.get(unit__name=unit_name, groups__name=Role.LIAISON.value)


REPORT_UNITS = [
    ("旗民政局", "liaison"),
    ("旗教体局", "liaison2"),
    ("旗公安局", "liaison-gongan"),
    ("旗人力资源和社会保障局", "liaison-renshe"),
    ("旗医疗保障局", "liaison-yibao"),
    ("旗自然资源局", "liaison-ziran"),
]


def _quarter_before(year, quarter, n=1):
    index = year * 4 + quarter - 1 - n
    return index // 4, index % 4 + 1


def build_reports(users, today):
    """Indicators; the same quarter last year (published) and the quarter before last (closed),
    all sent in; last quarter's round, past its deadline and still open: accepted, submitted,
    returned, sent in late, a draft and one not started."""
    office = users["office"]
    kinds = [Unit.Kind.DEPARTMENT, Unit.Kind.MASS_ORGANISATION, Unit.Kind.TOWN]
    indicators = [
        duties_services.create_indicator(
            by=office,
            name=name,
            measure=measure,
            kind=kind,
            unit_kinds=kinds,
            help_text=help_text,
            order=n,
        )
        for n, (name, measure, kind, help_text) in enumerate(
            [
                ("临时救助人次", "人次", "integer", "本期实施临时救助的人次"),
                ("临时救助金额", "元", "money", "本期实际发放的临时救助资金"),
                ("主动发现困难群众户数", "户", "integer", "走访、排查中主动发现并转介的户数"),
            ],
            1,
        )
    ]
    units = [_unit(name) for name, _ in REPORT_UNITS]
    this_quarter = (today.month - 1) // 3 + 1
    year, quarter = _quarter_before(today.year, this_quarter)

    def send(round_, k, skip=()):
        for i, (name, username) in enumerate(REPORT_UNITS):
            if name in skip:
                continue
            report = round_.reports.get(unit__name=name)
            values = {
                ind.pk: str((i + 2) * (10 + k) * (500 if ind.kind == "money" else 1))
                for ind in indicators
            }
            duties_services.submit_report(report, by=users[username], values=values)
        return round_

    def open_(y, q, deadline):
        return duties_services.open_round(
            by=office,
            period="quarter",
            year=y,
            number=q,
            deadline=deadline,
            units=units,
            indicators=indicators,
        )

    def accept_all(round_):
        for report in round_.reports.filter(status="submitted"):
            duties_services.accept_report(report, by=office)

    last_year = send(open_(year - 1, quarter, datetime.date(year - 1, quarter * 3, 28)), 0)
    accept_all(last_year)
    duties_services.close_round(last_year, by=office)
    duties_services.publish_round(last_year, by=office)
    py, pq = _quarter_before(year, quarter)
    before = send(open_(py, pq, datetime.date(py, pq * 3, 28)), 2, skip={"旗自然资源局"})
    accept_all(before)
    duties_services.close_round(before, by=office)
    # Last quarter: due 3 days ago, still open.
    current = open_(year, quarter, today - datetime.timedelta(days=3))
    send(current, 4, skip={"旗医疗保障局", "旗自然资源局", "旗公安局"})
    for report in current.reports.filter(status="submitted").select_related("unit"):
        if report.unit.name == "旗民政局":
            duties_services.accept_report(report, by=office)
        if report.unit.name == "旗人力资源和社会保障局":
            duties_services.return_report(
                report, by=office, comment="临时救助金额与台账不一致，请核实。"
            )
    gongan = current.reports.get(unit__name="旗公安局")
    duties_services.save_report(
        gongan, by=users["liaison-gongan"], values={indicators[0].pk: "6"}, note="金额待财务核对"
    )
    return current


DEMO_POLICIES = [
    # unit, liaison, title, 文号, issuer, issued, category, duty number
    (
        "旗民政局",
        "liaison",
        "伊金霍洛旗最低生活保障实施细则",
        "伊政办发〔2021〕35号",
        "伊金霍洛旗人民政府办公室",
        (2021, 8, 10),
        "minimum",
        9,
    ),
    (
        "旗民政局",
        "liaison",
        "伊金霍洛旗最低生活保障实施细则（修订）",
        "伊政办发〔2024〕21号",
        "伊金霍洛旗人民政府办公室",
        (2024, 7, 1),
        "minimum",
        9,
    ),
    (
        "旗民政局",
        "liaison",
        "伊金霍洛旗临时救助实施办法",
        "伊民发〔2023〕12号",
        "旗民政局",
        (2023, 5, 1),
        "temporary",
        9,
    ),
    (
        "旗民政局",
        "liaison",
        "伊金霍洛旗特困人员救助供养办法",
        "伊民发〔2022〕8号",
        "旗民政局",
        (2022, 3, 15),
        "destitute",
        9,
    ),
    (
        "旗教体局",
        "liaison2",
        "伊金霍洛旗家庭经济困难学生资助办法",
        "伊教发〔2023〕40号",
        "旗教体局",
        (2023, 9, 1),
        "education",
        7,
    ),
    (
        "旗医疗保障局",
        "liaison-yibao",
        "伊金霍洛旗医疗救助实施办法",
        "伊医保发〔2022〕15号",
        "旗医疗保障局",
        (2022, 6, 20),
        "medical",
        16,
    ),
    (
        "旗人力资源和社会保障局",
        "liaison-renshe",
        "伊金霍洛旗就业困难人员认定和援助办法",
        "伊人社发〔2023〕6号",
        "旗人力资源和社会保障局",
        (2023, 2, 10),
        "employment",
        11,
    ),
]


def build_policies(users, today):
    made = []
    for unit_name, username, title, number, issuer, issued, category, duty in DEMO_POLICIES:
        unit = _unit(unit_name)
        duty_rows = list(duties_models_for(unit, duty))
        made.append(
            duties_services.create_policy(
                by=users[username],
                unit=unit,
                data=duties_services.PolicyData(
                    title=title,
                    doc_number=number,
                    issuer=issuer,
                    issued_on=datetime.date(*issued),
                    effective_from=datetime.date(*issued),
                    category=category,
                    duties=duty_rows,
                    summary=f"{title}规定了救助对象、标准、程序和部门职责。",
                ),
            )
        )
    old, new = made[0], made[1]
    duties_services.update_policy(
        old,
        by=users["liaison"],
        data=duties_services.PolicyData(
            title=old.title,
            doc_number=old.doc_number,
            issuer=old.issuer,
            issued_on=old.issued_on,
            effective_from=old.effective_from,
            category=old.category,
            status="revised",
            revised_by=new,
            duties=list(old.duties.all()),
            summary=old.summary,
        ),
    )
    review = duties_services.open_policy_review(
        by=users["office"], year=today.year, deadline=today + datetime.timedelta(days=20)
    )
    for username in ("liaison", "liaison2", "liaison-yibao"):
        duties_services.confirm_policy_list(review, by=users[username], note="清单完整、现行。")
    return review


def duties_models_for(unit, number):
    """The unit's department duty of that number, if the catalogue gives it that one."""
    return Duty.objects.for_unit(unit).filter(number=number)


def build_assessments(users, today):
    from django.core.files.uploadedfile import SimpleUploadedFile

    office, leader = users["office"], users["leader"]
    last = duties_services.create_scheme(by=office, year=today.year - 1)
    manual = last.items.get(source="manual")
    for unit_name, score, note in [
        ("旗民政局", 5, "主动发现并救助困难群众 36 户，建立“一户一档”。"),
        ("旗医疗保障局", 4, "实现医疗救助“一站式”结算。"),
        ("旗教体局", 3, "建立困难学生资助快速响应机制。"),
    ]:
        duties_services.score_manually(
            last, by=office, item=manual, unit=_unit(unit_name), score=score, note=note
        )
    evidence = SimpleUploadedFile(
        "督查通报.pdf", b"%PDF-1.4\n% demo evidence\n", content_type="application/pdf"
    )
    duties_services.veto_unit(
        last,
        by=office,
        unit=_unit("旗自然资源局"),
        reason="在困难群众住房救助核查中出具虚假核查意见，造成不符合条件人员享受救助，经旗纪委监委查实。",
        files=[evidence],
    )
    duties_services.submit_scheme(last, by=office)
    duties_services.approve_scheme(last, by=leader, comment="同意公布。")
    duties_services.publish_scheme(last, by=office)
    return duties_services.create_scheme(by=office, year=today.year)
