"""Recording a workflow step (members.Step) from a service, in the app's own vocabulary."""

from django.db import models

from .models import Step


def record_step(
    subject: models.Model, action: models.TextChoices, *, by, comment: str = ""
) -> Step:
    """Write one 办理记录 for `subject`; `action` is a member of the app's TextChoices."""
    return subject.steps.create(action=action.value, label=action.label, by=by, comment=comment)
