from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.models import Liaison, Person, Unit, User
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


class Command(BaseCommand):
    help = "创建演示账号（office、leader、liaison、liaison2、member，密码 jiuzhu-demo）。仅限 DEBUG 模式。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("生产环境（DEBUG 关闭）不能创建演示账号。")
        if not Unit.objects.exists():
            raise CommandError("请先运行 manage.py load_charter 载入成员单位。")
        with transaction.atomic():
            for username, role, unit_name, (last, first), liaison_post in DEMO_ACCOUNTS:
                unit = Unit.objects.get(name=unit_name)
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={"last_name": last, "first_name": first, "unit": unit},
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save()
                user.groups.add(Group.objects.get_or_create(name=role.value)[0])
                if liaison_post:
                    person, _ = Person.objects.get_or_create(
                        user=user, defaults={"name": f"{last}{first}"}
                    )
                    Liaison.objects.get_or_create(
                        unit=unit,
                        person=person,
                        end=None,
                        defaults={"post": liaison_post, "start": "2024-06-25"},
                    )
                state = "已创建" if created else "已存在，保持不变"
                self.stdout.write(f"{username}（{role.value}，{unit.name}）：{state}")
        self.stdout.write(self.style.SUCCESS(f"演示账号的密码均为 {DEMO_PASSWORD}。"))
