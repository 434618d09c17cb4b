"""Every URL of the app × every persona: the status each one gets, for GET and POST.

A new URL pattern fails `test_every_url_pattern_is_in_the_matrix` until it has its row here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from members.models import Tenure, Unit

PERSONAS = ["anonymous", "office", "leader", "liaison", "liaison2", "member", "norole", "inactive"]
READERS = {"office": 200, "leader": 200, "liaison": 200, "liaison2": 200, "member": 200}
OFFICE_ONLY = {"office": 200, "leader": 403, "liaison": 403, "liaison2": 403, "member": 403}
READ_ONLY = {"office": 405, "leader": 405, "liaison": 405, "liaison2": 405, "member": 405}

# name -> (args factory, GET expectations, POST expectations). Unlisted personas: anonymous and
# inactive go to the login page (302), a signed-in user without a role gets 403.
MATRIX = {
    "home": (lambda: [], READERS, READ_ONLY),
    "members:roster": (lambda: [], READERS, READ_ONLY),
    "members:seat-detail": (lambda: [_seat()], READERS, READ_ONLY),
    "members:seat-succession": (
        lambda: [_seat()],
        OFFICE_ONLY,
        {"office": 302, "leader": 403, "liaison": 403, "liaison2": 403, "member": 403},
    ),
    "duties:catalogue": (lambda: [], READERS, READ_ONLY),
    "duties:unit-list": (lambda: [], READERS, READ_ONLY),
    "duties:unit-detail": (lambda: [Unit.objects.get(name="旗教体局").pk], READERS, READ_ONLY),
}
# Pages that anyone may open, signed in or not.
PUBLIC = {"login": 200}
NOT_IN_MATRIX = {"logout"}  # tested below: it has its own rules


def _seat():
    return Tenure.objects.get(person__name="王志鹏").seat_id


def expected(table, persona):
    if persona in ("anonymous", "inactive"):
        return 302
    return table.get(persona, 403)


def login_as(client, personas, persona):
    if persona != "anonymous":
        client.force_login(personas[persona])


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_get(client, personas, persona, name):
    args, get_table, _ = MATRIX[name]
    login_as(client, personas, persona)
    url = reverse(name, args=args())
    response = client.get(url)
    assert response.status_code == expected(get_table, persona), url
    if response.status_code == 302 and persona in ("anonymous", "inactive"):
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_post(client, personas, persona, name):
    args, _, post_table = MATRIX[name]
    login_as(client, personas, persona)
    url = reverse(name, args=args())
    data = {
        "name": "张三",
        "post": "旗民政局局长",
        "start": "2026-03-02",
        "basis": "工作变动自然接任",
    }
    before = list(Tenure.objects.values_list("pk", "end"))
    response = client.post(url, data)
    assert response.status_code == expected(post_table, persona), url
    if response.status_code != 302 or persona != "office":
        assert list(Tenure.objects.values_list("pk", "end")) == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_login_page_is_open_to_everyone(client, personas, persona):
    login_as(client, personas, persona)
    response = client.get(reverse("login"))
    signed_in = persona not in ("anonymous", "inactive")
    assert response.status_code == (302 if signed_in else 200)


@pytest.mark.django_db
def test_logout_asks_on_get_and_logs_out_on_post(client, office):
    client.force_login(office)
    response = client.get(reverse("logout"))
    assert response.status_code == 200 and "确定要退出吗" in response.content.decode()
    assert client.get(reverse("home")).status_code == 200  # GET did not log out
    response = client.post(reverse("logout"))
    assert "您已安全退出" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["office", "leader", "liaison", "member"])
def test_the_admin_is_for_staff_only(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get("/admin/").status_code == 302


def _names(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if p.app_name == "admin":
                continue
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}"


def test_every_url_pattern_is_in_the_matrix():
    names = set(_names(get_resolver()))
    missing = names - set(MATRIX) - set(PUBLIC) - NOT_IN_MATRIX
    assert not missing, f"URL patterns without a row in the access matrix: {sorted(missing)}"
