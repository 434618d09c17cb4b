from django.core.management.base import BaseCommand
from django.db import transaction

from cases.crypto import search_hash
from cases.models import Case, HouseholdMember


class Command(BaseCommand):
    help = (
        "用当前第一个密钥（JIUZHU_DATA_KEYS 的第一个）重新加密全部个案个人信息，"
        "并用当前 JIUZHU_SEARCH_KEY 重算身份证号检索码。换密钥后运行，完成后才可去掉旧密钥。"
    )

    @transaction.atomic
    def handle(self, *args, **options):
        # QuerySet.update(), not save(): re-encrypting changes no value, so no history row.
        cases = Case.objects.select_for_update().only("applicant", "id_number", "phone", "address")
        for c in cases:
            Case.objects.filter(pk=c.pk).update(
                applicant=c.applicant,
                id_number=c.id_number,
                phone=c.phone,
                address=c.address,
                id_number_hmac=search_hash(c.id_number),
            )
        members = HouseholdMember.objects.select_for_update().only("name", "id_number")
        for m in members:
            HouseholdMember.objects.filter(pk=m.pk).update(
                name=m.name, id_number=m.id_number, id_number_hmac=search_hash(m.id_number)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"已用新密钥重新加密 {len(cases)} 个个案、{len(members)} 名家庭成员的个人信息。"
            )
        )
