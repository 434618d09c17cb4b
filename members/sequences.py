from django.db import IntegrityError, transaction

from .models import Sequence


def next_number(key: str) -> int:
    """The next number of the sequence `key`. Call inside the transaction that uses the number:
    the row stays locked until it commits, so numbers are gapless and never given twice."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside a transaction.")
    try:
        with transaction.atomic():
            Sequence.objects.get_or_create(key=key)
    except IntegrityError:
        pass  # another transaction created the row first; lock it below
    sequence = Sequence.objects.select_for_update().get(key=key)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number
