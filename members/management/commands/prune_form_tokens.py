from django.core.management.base import BaseCommand

from members.idempotency import KEEP, prune


class Command(BaseCommand):
    help = f"删除 {KEEP.days} 天前的表单提交记录（防重复提交的一次性令牌）。可每天由 cron 运行。"

    def handle(self, *args, **options):
        deleted = prune()
        self.stdout.write(f"已删除 {deleted} 条过期的表单提交记录。")
