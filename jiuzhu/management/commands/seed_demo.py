from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiuzhu.demo import DEMO_PASSWORD, build_demo_year, ensure_accounts
from meetings.models import Meeting
from members.models import Unit


class Command(BaseCommand):
    help = (
        "创建演示账号（office、leader、liaison、liaison2、member 等，密码 jiuzhu-demo）"
        "和一年的演示数据（会议、议题、纪要）。仅限 DEBUG 模式；已有数据时不重复创建。"
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("生产环境（DEBUG 关闭）不能创建演示账号。")
        if not Unit.objects.exists():
            raise CommandError("请先运行 manage.py load_charter 载入成员单位。")
        if not settings.SIGNING_PKCS12 or not Path(settings.SIGNING_PKCS12).exists():
            # The demo minutes are issued, so signed: the office's demo certificate first.
            call_command("demo_certificate", stdout=self.stdout)
        with transaction.atomic():
            ensure_accounts(stdout=self.stdout)
            if Meeting.objects.exists():
                self.stdout.write("已有会议数据，不再生成演示数据。")
            else:
                demo = build_demo_year()
                self.stdout.write(
                    f"已生成演示数据：{demo['plenary'].title}（纪要{demo['minutes'].number_label}已印发）、"
                    f"{demo['special'].title}（筹备中）、{demo['written'].title}（等待意见）。"
                )
        self.stdout.write(self.style.SUCCESS(f"演示账号的密码均为 {DEMO_PASSWORD}。"))
