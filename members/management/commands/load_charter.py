import io

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from members.models import Seat


class Command(BaseCommand):
    help = "载入《制度》（伊政发〔2024〕58号）的成员单位、领导小组名单和职责清单；已载入则不变。"

    def handle(self, *args, **options):
        # Loading twice would reopen tenures the office has since closed: load into an empty
        # roster only, so re-running `make run` keeps every succession recorded since.
        if Seat.objects.exists():
            self.stdout.write("《制度》名单已载入，保留现有数据。")
            return
        with transaction.atomic():
            call_command("loaddata", "charter", verbosity=0)
            # loaddata writes no history rows; give each record its first one.
            call_command(
                "populate_history",
                "--auto",
                verbosity=0,
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        self.stdout.write(
            self.style.SUCCESS(f"已载入《制度》名单：{Seat.objects.count()} 个席位。")
        )
