"""Every GB/T 9704 measurement of test_pdf.py, run again on the files as issued: signed.

Signing appends an incremental update (meetings/signing.py) and must not move a glyph, so the
same tests, with the same documents, pass on the signed bytes. This module takes test_pdf's
tests and fixtures as they are and only makes its `documents` sign what it renders.
"""

import pytest

from meetings import signing
from tests.meetings import test_pdf
from tests.meetings.test_pdf import *  # noqa: F403 — every measurement, collected here too


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    render = test_pdf.render_minutes_pdf

    def render_and_sign(*args, **kwargs):
        signed = signing.sign_pdf(render(*args, **kwargs))
        assert signing.check_pdf_signature(signed).valid
        return signed

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(test_pdf, "render_minutes_pdf", render_and_sign)
        return test_pdf.documents.__wrapped__(django_db_setup, django_db_blocker)
