from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiuzhu.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库和全部存储文件（议题材料、已印发纪要 PDF 等）到一个 .tar.gz 文件。"

    def add_arguments(self, parser):
        parser.add_argument("--output", help="备份文件路径（默认 backups/jiuzhu-时间.tar.gz）")

    def handle(self, *args, output=None, **options):
        path = Path(output or f"backups/jiuzhu-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            manifest = create_backup(path, media_root=Path(settings.MEDIA_ROOT))
        except BackupError as e:
            raise CommandError(str(e)) from e
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {path}：{len(manifest['tables'])} 张表 {rows} 行，{len(manifest['files'])} 个文件。"
            )
        )
        self.stdout.write(manifest["keys"]["note"])
