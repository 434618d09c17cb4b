import datetime

import pytest
from django.conf import settings
from django.core.management import call_command

from members.permissions import Role
from tests.certificates import write_pkcs12
from tests.factories import make_user

OFFICE_PASSPHRASE = "test-office-passphrase"


@pytest.fixture(scope="session", autouse=True)
def office_certificate(tmp_path_factory):
    """The office's signing certificate for the run: made here, never the demo one of `make run`.
    Returns the private key (DER) and the certificate, for tests that look for leaks."""
    path = tmp_path_factory.mktemp("office-key") / "office.p12"
    # Valid since 2000: tests/test_bench.py issues minutes with the clock set years back.
    since = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    key_der, cert = write_pkcs12(path, OFFICE_PASSPHRASE, not_before=since, days=365 * 50)
    settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE = str(path), OFFICE_PASSPHRASE
    return {"path": path, "key_der": key_der, "certificate": cert, "passphrase": OFFICE_PASSPHRASE}


@pytest.fixture
def charter(db):
    """The charter's units, roster and duties, as `make run` loads them."""
    call_command("loaddata", "charter", verbosity=0)


# Personas, one per role (STYLE.md): office, leader, liaison of 民政局, liaison of 教体局, member,
# a signed-in user with no role, and a disabled account.
@pytest.fixture
def office(charter):
    return make_user("office", Role.OFFICE, "旗民政局")


@pytest.fixture
def leader(charter):
    return make_user("leader", Role.LEADER, "旗人民政府")


@pytest.fixture
def liaison(charter):
    return make_user("liaison", Role.LIAISON, "旗民政局")


@pytest.fixture
def liaison2(charter):
    return make_user("liaison2", Role.LIAISON, "旗教体局")


@pytest.fixture
def member(charter):
    return make_user("member", Role.MEMBER, "旗财政局")


@pytest.fixture
def norole(charter):
    return make_user("norole")


@pytest.fixture
def inactive(charter):
    return make_user("inactive", Role.OFFICE, "旗民政局", is_active=False)


@pytest.fixture
def personas(office, leader, liaison, liaison2, member, norole, inactive):
    return {
        "office": office,
        "leader": leader,
        "liaison": liaison,
        "liaison2": liaison2,
        "member": member,
        "norole": norole,
        "inactive": inactive,
    }
