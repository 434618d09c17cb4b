"""Make the OFD copy of every issued minutes that has none (issued before issuance made one)."""

from django.core.management.base import BaseCommand, CommandError

from meetings import services
from meetings.models import Minutes


class Command(BaseCommand):
    help = "为尚无 OFD 副本的已印发纪要，按已存 PDF 生成 OFD（GB/T 33190）副本。"

    def handle(self, *args, **options):
        pending = Minutes.objects.filter(status=Minutes.Status.ISSUED, ofd_sha256="")
        made = 0
        for minutes in pending.order_by("year", "number"):
            try:
                services.add_ofd_copy(minutes)
            except services.MeetingsError as e:
                raise CommandError(str(e)) from e
            made += 1
            self.stdout.write(f"{minutes.number_label}：已生成 OFD 副本。")
        self.stdout.write(f"共生成 {made} 份 OFD 副本。")
