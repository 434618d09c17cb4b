from django.core.management.base import BaseCommand

from members.previews import queue_missing, soffice


class Command(BaseCommand):
    help = (
        "为尚无预览的 Word/Excel/PowerPoint 附件排队生成 PDF 预览（安装 LibreOffice 后运行一次）。"
    )

    def handle(self, *args, **options):
        queued = queue_missing()
        where = soffice() or "未找到（任务将记录为“未安装 LibreOffice，仅可下载”）"
        self.stdout.write(f"已排队 {queued} 个预览；LibreOffice：{where}。")
