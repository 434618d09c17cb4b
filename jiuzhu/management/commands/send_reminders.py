"""Send the day's reminders (run daily from cron or a systemd timer; see README.md)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.reminders import run_reminders, send_reminders


class Command(BaseCommand):
    help = "发送当天到期的提醒（督办到期/逾期、催签、书面审议截止、会议提醒、核对超时、全体会议）。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按这一天计算（YYYY-MM-DD，默认今天）")
        parser.add_argument(
            "--queue", action="store_true", help="交给任务进程（db_worker）执行，而不是在这里执行"
        )

    def handle(self, *args, date=None, queue=False, **options):
        if date:
            try:
                datetime.date.fromisoformat(date)
            except ValueError as e:
                raise CommandError("日期格式不正确，请按 2026-06-25 的格式填写。") from e
        if queue:
            result = run_reminders.enqueue(date)
            self.stdout.write(f"已交给任务进程：{result.id}")
            return
        sent = send_reminders(datetime.date.fromisoformat(date) if date else None)
        if not sent:
            self.stdout.write("今天不是工作日，或没有需要提醒的事项。")
        for rule, n in sent.items():
            self.stdout.write(f"{rule}: {n}")
