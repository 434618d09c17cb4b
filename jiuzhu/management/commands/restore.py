from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from jiuzhu.backup import BackupError, restore_backup, verify


def forget_cached_sessions():
    """The database was replaced outside Django's view: no cached session of the old data may
    outlive it (cached_db sessions in Redis). Only this app's keys (its KEY_PREFIX) go: Redis's
    FLUSHDB, which cache.clear() sends, would empty a database other programs may share."""
    if hasattr(cache, "delete_pattern"):  # django-redis
        cache.delete_pattern("*")
    else:
        cache.clear()


class Command(BaseCommand):
    help = "从备份文件恢复数据库和存储文件，并逐表、逐文件核对。会覆盖当前数据库。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="backup 命令生成的 .tar.gz 文件")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前数据库")

    def handle(self, *args, file, yes=False, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"找不到备份文件 {path}。")
        if not yes:
            raise CommandError("恢复会覆盖当前数据库和文件。确认无误后加 --yes 再运行。")
        connections["default"].close()
        try:
            manifest = restore_backup(
                path,
                settings_dict=connections["default"].settings_dict,
                media_root=Path(settings.MEDIA_ROOT),
            )
        except BackupError as e:
            raise CommandError(str(e)) from e
        connections["default"].close()
        forget_cached_sessions()
        problems = verify(
            manifest, connection=connections["default"], media_root=Path(settings.MEDIA_ROOT)
        )
        if problems:
            raise CommandError("恢复后核对不一致：\n" + "\n".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"已从 {path} 恢复，{len(manifest['tables'])} 张表和 {len(manifest['files'])} 个文件核对一致。"
            )
        )
