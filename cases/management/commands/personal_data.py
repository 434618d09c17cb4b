"""A data subject's request (《个人信息保护法》第四十五、四十七条), handled by an office user:

personal_data export 身份证号 --by office [--output 文件.json|文件.xlsx]
personal_data erase --by office [--years N] [--dry-run]
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases import services
from members.models import User
from members.xlsx import workbook


def _flat(records):
    """Rows (个案, 部分, 项目, 内容) for a one-sheet workbook."""
    for record in records:
        number = record["个案编号"]
        for key, value in record.items():
            if isinstance(value, list):
                for i, item in enumerate(value, 1):
                    for k, v in item.items():
                        yield (number, f"{key} {i}", k, str(v))
            else:
                yield (number, "个案", key, str(value))


class Command(BaseCommand):
    help = "个人信息主体的请求：导出某人的全部个人信息，或删除超过保存期限的个案中的个人信息。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="按身份证号导出此人作为申请人或家庭成员的全部信息")
        export.add_argument("id_number", help="身份证号")
        export.add_argument("--by", required=True, help="办理的办公室账号（记入查看记录）")
        export.add_argument("--output", help="输出文件（.json 或 .xlsx；默认输出 JSON 到屏幕）")
        erase = sub.add_parser("erase", help="删除办结或不予救助满保存期限的个案中的个人信息")
        erase.add_argument("--by", required=True, help="办理的办公室账号（记入办理记录）")
        erase.add_argument(
            "--years",
            type=int,
            default=None,
            help="保存期限（年），默认 JIUZHU_CASE_RETENTION_YEARS",
        )
        erase.add_argument("--dry-run", action="store_true", help="只列出，不删除")

    def _user(self, username):
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"没有启用的账号 {username}。") from None

    def handle(self, *args, action, **options):
        by = self._user(options["by"])
        try:
            if action == "export":
                self.export(by, options["id_number"], options.get("output"))
            else:
                years = options["years"] or settings.CASE_RETENTION_YEARS
                self.erase(by, years, options["dry_run"])
        except services.CasesError as e:
            raise CommandError(str(e)) from e

    def export(self, by, id_number, output):
        records = services.personal_data_of(id_number, by=by)
        if not records:
            raise CommandError("没有找到该身份证号（作为申请人或家庭成员）的个案。")
        if output and output.lower().endswith(".xlsx"):
            columns = [("个案", 18), ("部分", 14), ("项目", 16), ("内容", 60)]
            Path(output).write_bytes(workbook("个人信息", columns, _flat(records)))
        else:
            text = json.dumps(records, ensure_ascii=False, indent=1)
            if not output:
                self.stdout.write(text)
                return
            Path(output).write_text(text, encoding="utf-8")
        self.stderr.write(f"已导出 {len(records)} 个个案到 {output}（本次导出已记入查看记录）。")

    def erase(self, by, years, dry_run):
        if years < 1:
            raise CommandError("保存期限至少 1 年。")
        cases = list(services.cases_past_retention(years))
        for case in cases:
            if not dry_run:
                services.erase_personal_data(case, by=by, years=years)
            self.stdout.write(f"{case.number_label}（{case.get_status_display()}）")
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(cases)} 个办结或不予救助满 {years} 年的个案中的个人信息。"
            )
        )
