"""The page benchmark (`make bench`, `python -m bench.pages`): every key page under wrk, against
gunicorn with two sync workers and production settings without any cache (bench/settings.py),
on a PostgreSQL database holding ten years of a busy county (bench.load_data, made once).

It prints one table — requests/s, p50 and p99 latency at 16 connections, queries per request,
render time in process, and the ratio to the Django admin's task changelist (what an office
would otherwise use) — and writes it to bench-results/bench-<time>.txt. Targets (issue 12):
each page ≥ 5× the admin changelist's requests/s in the same run and p99 ≤ 100 ms. Ratios taken
in one run are what count: absolute figures drift on a shared machine.

`python -m bench.pages --profile KEY` instead renders one page (KEY as in the table, e.g.
ledger) in process and prints its queries with their times and the top of a cProfile.

Environment (all optional):
  BENCH_DATABASE_URL   postgres://postgres@127.0.0.1:5432/jiuzhu_bench (created when missing)
  BENCH_DURATION       seconds of load per page, default 8
  BENCH_CONNECTIONS    concurrent connections, default 16
  BENCH_YEARS          years of data to generate into an empty database, default 10
  BENCH_WORKERS        gunicorn sync workers, default 2 (README.md's deployment)
  BENCH_ONLY           comma-separated page keys (roster, ledger, …) to measure only those;
                       health and admin are always measured
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench-results"
SETTINGS = "bench.settings"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jiuzhu_bench"
)
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
YEARS = int(os.environ.get("BENCH_YEARS", "10"))
ONLY = {key for key in os.environ.get("BENCH_ONLY", "").split(",") if key}
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))  # gunicorn sync workers, as README.md deploys
PASSWORD = secrets.token_urlsafe(16)
SECRET_KEY = secrets.token_urlsafe(50)  # one for every worker, or sessions would not carry
HTTPS = {"X-Forwarded-Proto": "https"}  # the reverse proxy's word that TLS was terminated

# Targets of issue 12 (pages) and issue 7 (export, PDF, memory), within one run.
MIN_OF_ADMIN = 5.0
MAX_P99_MS = 100.0
MAX_EXPORT_SECONDS = 2.0
MAX_PDF_SLOWDOWN = 1.5
MAX_RSS_MB = 200
MARKER = "bench-load-data"  # bench.load_data's row in members_sequence once the data is whole


def say(text: str):
    print(f"[bench] {text}", flush=True)


# --- setting up --------------------------------------------------------------------------------


def ensure_wrk():
    """wrk comes from Debian's packages; install it like scripts/install-system-deps does."""
    if shutil.which("wrk"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    say("安装 wrk（Debian 软件包）")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env)
    if not shutil.which("wrk"):
        sys.exit("缺少 wrk，请以管理员身份运行：apt-get install wrk")


def ensure_database():
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not whole(DATABASE_URL):
            # The benchmark's own database, left half-made by an interrupted generation.
            say(f"数据库 {name} 中的负载数据不完整：删除后重新生成")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            say(f"创建数据库 {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def whole(url) -> bool:
    """Does the database hold finished load data, or nothing yet at all?"""
    import psycopg

    with psycopg.connect(url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
        if "meetings_meeting" not in tables:
            return True  # empty: nothing to throw away
        if conn.execute("SELECT 1 FROM members_sequence WHERE key = %s", [MARKER]).fetchone():
            return True
        return not conn.execute("SELECT 1 FROM meetings_meeting LIMIT 1").fetchone()


def server_env() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "BENCH_DATABASE_URL": DATABASE_URL,
        # Persistent connections, as a production deployment would run (the default 0 opens a
        # PostgreSQL connection per request).
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("JIUZHU_REDIS_URL", None)  # no shared cache: every page from the database
    return env


def run(*args):
    subprocess.run([PYTHON, *args], cwd=ROOT, env=server_env(), check=True)


def prepare_data():
    run("manage.py", "migrate", "--noinput", "-v", "0")
    run("manage.py", "load_charter")
    started = time.monotonic()
    run("-m", "bench.load_data", "--years", str(YEARS))  # returns at once if the data is there
    return time.monotonic() - started


# --- inside Django (production settings, same database) --------------------------------------


@dataclass
class Page:
    key: str
    label: str
    role: str
    url: str
    kind: str = "page"  # page, baseline, export
    data: dict | None = None  # posted (a form's fields) instead of fetched
    queries: str | None = None
    render_ms: float | None = None
    rows: int | None = None
    result: dict = field(default_factory=dict)


def django_setup():
    os.environ.update(server_env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def bench_users() -> dict:
    """One account per role, made here: the demo accounts do not exist in production."""
    from django.contrib.auth.models import Group

    from members.models import Unit, User
    from members.permissions import Role

    wanted = {
        "office": (Role.OFFICE, "旗民政局"),
        "leader": (Role.LEADER, "旗人民政府"),
        "liaison": (Role.LIAISON, "旗民政局"),
        "member": (Role.MEMBER, "旗财政局"),
        "admin": (None, None),
    }
    users = {}
    for role_key, (role, unit_name) in wanted.items():
        user, _ = User.objects.get_or_create(username=f"bench-{role_key}")
        user.unit = Unit.objects.get(name=unit_name) if unit_name else None
        user.last_name, user.first_name = "压测", role_key
        user.is_active = True
        user.is_staff = user.is_superuser = role is None
        user.set_password(PASSWORD)
        user.save()
        user.groups.set([Group.objects.get_or_create(name=role.value)[0]] if role else [])
        users[role_key] = user
    return users


def pick_pages(users) -> tuple[list[Page], dict]:
    from django.db.models import Count, Q
    from django.urls import reverse
    from django.utils import timezone

    from cases.models import Case
    from duties.models import Task
    from meetings.models import Distribution, Meeting, Minutes
    from members.models import Unit

    minzheng = Unit.objects.get(name="旗民政局")
    meeting = (
        Meeting.objects.filter(kind=Meeting.Kind.SPECIAL, status=Meeting.Status.CLOSED)
        .annotate(n=Count("agenda_items"))
        .order_by("-starts_at")
        .first()
    )
    minutes = Minutes.objects.filter(status=Minutes.Status.ISSUED).order_by("-issued_at").first()
    case = (
        Case.objects.filter(status=Case.Status.CLOSED)
        .annotate(n=Count("verifications"))
        .order_by("-registered_at")
        .first()
    )
    if not (meeting and minutes and case):
        sys.exit("数据库里没有可测的会议、纪要或个案：请先运行 python -m bench.load_data。")
    # A filtered ledger of about a thousand rows for the Excel export.
    year = timezone.localdate().year - 1
    candidates = []
    for source in Task.Source.values:
        for y in (year, year - 1):
            n = Task.objects.filter(source=source, created_at__year=y).count()
            candidates.append((abs(n - 1000), n, {"source": source, "year": y}))
    for unit in Unit.objects.filter(active=True):
        n = Task.objects.filter(units__unit=unit, created_at__year=year).distinct().count()
        candidates.append((abs(n - 1000), n, {"unit": unit.pk, "year": year}))
    _, export_rows, export_filter = min(candidates, key=lambda c: c[0])
    # A PDF a liaison downloads: minutes distributed to its unit.
    pdf_minutes = (
        Distribution.objects.filter(unit=minzheng, minutes__status=Minutes.Status.ISSUED)
        .order_by("-minutes__issued_at")
        .values_list("minutes_id", flat=True)
        .first()
    )
    ledger = reverse("duties:task-list")
    search = reverse("search")
    from duties.models import ReportRound, Scheme

    report_round = ReportRound.objects.filter(status=ReportRound.Status.PUBLISHED).first()
    scheme = Scheme.objects.filter(status=Scheme.Status.PUBLISHED).first()
    unit_work = []
    if report_round and scheme:
        unit_work = [
            Page("round", "信息报送 报送任务页", "office", report_round.get_absolute_url()),
            Page(
                "statistics",
                "信息报送 统计（含走势图）",
                "office",
                reverse("duties:round-statistics", args=[report_round.pk]),
            ),
            Page("ranking", "年度考评 排名", "office", scheme.get_absolute_url()),
        ]
    pages = [
        Page("health", "健康检查 /healthz（上限）", "—", "/healthz", "baseline"),
        # The lightest signed-in page: the layout alone (navigation, user, roles) around a
        # sentence. What the session, the user and the base template cost every page.
        Page("blank", "空白页（登录后，仅页头页脚）", "office", reverse("logout"), "baseline"),
        Page("admin", "Django admin 督办事项列表", "admin", "/admin/duties/task/", "baseline"),
        Page("home-office", "首页", "office", reverse("home")),
        Page("home-leader", "首页", "leader", reverse("home")),
        Page("home-liaison", "首页", "liaison", reverse("home")),
        Page("home-member", "首页", "member", reverse("home")),
        Page("roster", "领导小组名单", "office", reverse("members:roster")),
        Page("catalogue", "职责清单", "office", reverse("duties:catalogue")),
        Page("meetings", "会议列表", "office", reverse("meetings:meeting-list")),
        Page("meeting", f"会议页（{meeting.n} 项议题）", "office", meeting.get_absolute_url()),
        Page("minutes-list", "纪要列表", "office", reverse("meetings:minutes-list")),
        Page("minutes", "纪要页", "office", minutes.get_absolute_url()),
        Page("ledger", "督办台账 第一页", "office", ledger),
        Page(
            "ledger-filtered",
            "督办台账 筛选（民政局·红灯）",
            "office",
            f"{ledger}?{urlencode({'unit': minzheng.pk, 'light': 'red'})}",
        ),
        Page("ledger-liaison", "督办台账 第一页", "liaison", ledger),
        Page("items", "议题列表", "office", reverse("meetings:item-list")),
        Page("cases", "个案列表", "office", reverse("cases:case-list")),
        # The search box (issue 17): a two-character word (no trigram: every row is read), a
        # longer one (the trigram indexes), two words, a unit's view, an ID number (office).
        Page("search", "搜索“低保”", "office", f"{search}?{urlencode({'q': '低保'})}"),
        Page(
            "search-long",
            "搜索“低保标准调整”",
            "office",
            f"{search}?{urlencode({'q': '低保标准调整'})}",
        ),
        Page(
            "search-words", "搜索“取暖 补贴”", "office", f"{search}?{urlencode({'q': '取暖 补贴'})}"
        ),
        Page("search-liaison", "搜索“低保”", "liaison", f"{search}?{urlencode({'q': '低保'})}"),
        # An ID number is posted, never put in the URL (jiuzhu/views.py search).
        Page("search-id", "搜索身份证号（POST）", "office", search, data={"q": case.id_number}),
        Page("case", "个案页", "office", case.get_absolute_url()),
        Page(
            "export",
            "督办台账 Excel 导出（筛选）",
            "office",
            f"{reverse('duties:task-export')}?{urlencode(export_filter)}",
            "export",
            rows=export_rows,
        ),
        *unit_work,
    ]
    extra = {
        "pdf": reverse("meetings:minutes-pdf", args=[pdf_minutes]),
        "pdf_list": "ledger",
        "counts": {
            "meetings": Meeting.objects.count(),
            "minutes issued": Minutes.objects.filter(status=Minutes.Status.ISSUED).count(),
            "tasks": Task.objects.count(),
            "cases": Case.objects.count(),
            "open tasks": Task.objects.filter(status=Task.Status.OPEN).count(),
            "red (overdue) tasks": Task.objects.filter(
                Q(status=Task.Status.OPEN), deadline__lt=timezone.localdate()
            ).count(),
        },
    }
    return pages, extra


def clients_for(users):
    from django.test import Client

    clients = {"—": Client(HTTP_HOST="127.0.0.1")}
    for role, user in users.items():
        clients[role] = Client(HTTP_HOST="127.0.0.1")
        clients[role].force_login(user)
    return clients


def fetch(client, page: Page):
    if page.data is not None:
        return client.post(page.url, page.data, secure=True)
    return client.get(page.url, secure=True)


def count_queries(pages, users):
    """Queries per request and the render time in process, by Django's test client against the
    same database and settings (no cache: each request is rendered)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clients = clients_for(users)
    for page in pages:
        client = clients[page.role]
        fetch(client, page)  # warm: first-request work is not per request
        with CaptureQueriesContext(connection) as ctx:
            response = fetch(client, page)
        if response.status_code != 200:
            sys.exit(f"{page.url}（{page.role}）返回 {response.status_code}，无法测试。")
        page.queries = str(len(ctx.captured_queries))
        times = []
        for _ in range(7):
            started = time.perf_counter()
            fetch(client, page)
            times.append((time.perf_counter() - started) * 1000)
        page.render_ms = sorted(times)[3]


def profile(key):
    """One page in process: its queries with their times, then where the Python time goes."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    users = bench_users()
    pages, _ = pick_pages(users)
    page = next((p for p in pages if p.key == key), None)
    if page is None:
        sys.exit(f"没有页面 {key}；可选：{'、'.join(p.key for p in pages)}")
    client = clients_for(users)[page.role]
    fetch(client, page)
    with CaptureQueriesContext(connection) as ctx:
        fetch(client, page)
    print(f"{page.label}（{page.role}）{page.url}：{len(ctx.captured_queries)} 次查询")
    for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"])):
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        fetch(client, page)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


# --- the server and the load ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    gunicorn = Path(PYTHON).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "jiuzhu.wsgi:application",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(),
    )
    for _ in range(100):
        time.sleep(0.2)
        try:
            status, _, _ = request(port, "/healthz")
            if status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            sys.exit("gunicorn 没有启动。")
    process.terminate()
    sys.exit("gunicorn 没有在 20 秒内应答 /healthz。")


def request(port, path, *, method="GET", body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers={**HTTPS, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    cookies = {}
    for key, value in response.getheaders():
        if key.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
    conn.close()
    return response.status, cookies, data


def log_in(port, username) -> str:
    """The login form, as a browser would post it; returns the session cookie."""
    _, cookies, html = request(port, "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()
    origin = f"https://127.0.0.1:{port}"
    status, cookies2, _ = request(
        port,
        "/accounts/login/",
        method="POST",
        body=urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        },
    )
    if status != 302 or "sessionid" not in cookies2:
        sys.exit(f"{username} 登录失败（{status}）。")
    return f"sessionid={cookies2['sessionid']}"


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(port, path, cookie, *, connections=CONNECTIONS, duration=DURATION, threads=2, script=None):
    command = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "--latency",
        "-H",
        "X-Forwarded-Proto: https",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    return command + [f"http://127.0.0.1:{port}{path}"]


def parse_wrk(output: str) -> dict:
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    if " 0 requests in" in output:  # not one answer within the run
        return {**result, "p50": float("nan"), "p99": float("nan"), "requests": 0, "errors": 0}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.M)
        result[f"p{pct}"] = _ms(m.group(1)) if m else float("nan")
    m = re.search(r"(\d+) requests in", output)
    result["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["errors"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", output)
    result["socket"] = m.group(1) if m else ""
    return result


def run_wrk(port, path, cookie, **kw) -> dict:
    out = subprocess.run(wrk(port, path, cookie, **kw), capture_output=True, text=True, check=True)
    return parse_wrk(out.stdout)


def post_form(port, page: Page, cookie) -> tuple[Path, str, dict]:
    """Posts the page's form once as a browser would (the CSRF token from the page, its cookie
    beside the session's, Origin and Referer of the site) and writes the wrk Lua script that posts
    the same. Returns the script, the cookie header to send with it, and request()'s arguments
    for the same POST."""
    status, cookies, html = request(port, page.url, headers={"Cookie": cookie})
    # The search box carries the token in data-private-post (static/js/jiuzhu.js).
    token = re.search(rb'(?:name="csrfmiddlewaretoken" value|data-private-post)="([^"]+)"', html)
    if status != 200 or not token or "csrftoken" not in cookies:
        sys.exit(f"{page.url}（{page.role}）没有给出 CSRF 令牌（{status}）。")
    cookie = f"{cookie}; csrftoken={cookies['csrftoken']}"
    origin = f"https://127.0.0.1:{port}"
    body = urlencode({**page.data, "csrfmiddlewaretoken": token.group(1).decode()})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin,
        "Referer": f"{origin}{page.url}",
    }
    again = {"method": "POST", "body": body, "headers": {**headers, "Cookie": cookie}}
    status, _, html = request(port, page.url, **again)
    if status != 200:
        sys.exit(f"{page.url}（{page.role}）POST 经 gunicorn 返回 {status}。")
    page.result["bytes"] = len(html)
    script = RESULTS / f"post-{page.key}.lua"
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return script, cookie, again


def one_at_a_time(port, page: Page, again: dict, n=60) -> float:
    """p95 in ms of n requests sent one after another: how long one person waits for an answer
    when nobody else is asking (the search bar of issue 17), beside wrk's 16 at once."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        status, _, _ = request(port, page.url, **again)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            sys.exit(f"{page.url}（{page.role}）返回 {status}。")
    return sorted(times)[int(0.95 * n) - 1]


def load(port, page: Page, cookie):
    script = None
    again = {"headers": {"Cookie": cookie}}
    if page.data is not None:
        script, cookie, again = post_form(port, page, cookie)
    else:
        status, _, body = request(port, page.url, headers={"Cookie": cookie} if cookie else None)
        if status != 200:
            sys.exit(f"{page.url}（{page.role}）经 gunicorn 返回 {status}。")
        page.result["bytes"] = len(body)
    if page.kind == "export":
        page.result.update(run_wrk(port, page.url, cookie, connections=1, duration=DURATION))
        return
    subprocess.run(
        wrk(port, page.url, cookie, duration=1, script=script), capture_output=True, check=True
    )  # warm-up
    page.result.update(run_wrk(port, page.url, cookie, script=script))
    if page.key.startswith("search"):
        page.result["alone_p95"] = one_at_a_time(port, page, again)


def pdf_while_listing(port, list_page: Page, list_cookie, pdf_url, pdf_cookie) -> dict:
    """A list page's p99 alone, then while one more client downloads PDFs without pause."""
    status, _, body = request(port, pdf_url, headers={"Cookie": pdf_cookie})
    if status != 200 or not body.startswith(b"%PDF"):
        sys.exit(f"{pdf_url} 没有返回 PDF（{status}）。")
    alone = run_wrk(port, list_page.url, list_cookie)
    downloader = subprocess.Popen(
        wrk(port, pdf_url, pdf_cookie, connections=1, duration=DURATION + 2),
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)
    loaded = run_wrk(port, list_page.url, list_cookie)
    pdf = parse_wrk(downloader.communicate()[0])
    return {"alone": alone, "with_pdf": loaded, "pdf": pdf, "pdf_bytes": len(body)}


def worker_rss(master_pid: int) -> list[tuple[int, float]]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:
            pid = int(stat.parent.name)
            status = (stat.parent / "status").read_text()
            kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
            children.append((pid, kb / 1024))
    return sorted(children)


# --- the table ---------------------------------------------------------------------------------


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cell(text, size, right=False) -> str:
    pad = " " * max(0, size - width(text))
    return pad + text if right else text + pad


def table(pages, admin) -> list[str]:
    heads = [
        ("页面", 34, False),
        ("角色", 8, False),
        ("req/s", 8, True),
        ("p50 ms", 8, True),
        ("p99 ms", 8, True),
        ("÷admin", 8, True),
        ("查询/次", 8, True),
        ("渲染 ms", 8, True),
        ("目标", 0, False),
    ]
    lines = ["  ".join(cell(h, w, r) for h, w, r in heads)]
    lines.append("-" * (sum(w for _, w, _ in heads) + 2 * len(heads) + 16))
    for page in pages:
        r = page.result
        rps, p50, p99 = r["rps"], r["p50"], r["p99"]
        of_admin = rps / admin
        verdict = []
        if page.kind == "page":
            if of_admin < MIN_OF_ADMIN:
                verdict.append(f"✗ <{MIN_OF_ADMIN:.0f}×admin")
            if p99 > MAX_P99_MS:
                verdict.append(f"✗ p99>{MAX_P99_MS:.0f} ms")
            verdict = verdict or ["✓"]
        elif page.kind == "export":
            ok = p99 <= MAX_EXPORT_SECONDS * 1000
            verdict = [f"{'✓' if ok else '✗'} {page.rows} 行，p99 {'≤' if ok else '>'} 2 s"]
        else:
            verdict = ["基准"]
        if r.get("errors"):
            verdict.append(f"✗ {r['errors']} 个非 2xx 应答")
        if not r.get("requests"):
            verdict = [f"✗ {DURATION} 秒内没有一次应答"]
        values = [
            page.label,
            page.role,
            f"{rps:.1f}",
            f"{p50:.1f}",
            f"{p99:.1f}",
            f"{of_admin:.2f}",
            "—" if page.queries is None else page.queries,
            "—" if page.render_ms is None else f"{page.render_ms:.1f}",
            " ".join(verdict),
        ]
        lines.append("  ".join(cell(v, w, rr) for v, (_, w, rr) in zip(values, heads, strict=True)))
    return lines


def report(name: str, lines: list[str]):
    """Prints a benchmark's figures and keeps them in bench-results/<name>-<time>.txt."""
    text = "\n".join(lines) + "\n"
    out = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    out.write_text(text, encoding="utf-8")
    print()
    print(text)
    say(f"已写入 {out.relative_to(ROOT)}")


def main():
    RESULTS.mkdir(exist_ok=True)
    if sys.argv[1:2] == ["--profile"] and len(sys.argv) == 3:
        django_setup()
        return profile(sys.argv[2])
    ensure_wrk()
    ensure_database()
    say(f"数据库 {DATABASE_URL}")
    generation = prepare_data()
    run("manage.py", "collectstatic", "--noinput", "-v", "0")
    django_setup()
    users = bench_users()
    pages, extra = pick_pages(users)
    if ONLY:
        pages = [p for p in pages if p.key in ONLY | {"health", "admin", extra["pdf_list"]}]
    say("用 Django 测试客户端统计每个页面的查询数和渲染时间")
    count_queries(pages, users)

    port = free_port()
    say(f"启动 gunicorn（{WORKERS} 个 sync worker，生产配置，无缓存）127.0.0.1:{port}")
    server = start_gunicorn(port)
    try:
        cookies = {role: log_in(port, f"bench-{role}") for role in users}
        cookies["—"] = ""
        say(f"每个页面 {DURATION} 秒，{CONNECTIONS} 个并发连接")
        for page in pages:
            load(port, page, cookies[page.role])
            r = page.result
            say(
                f"  {page.label}（{page.role}）：{r['rps']:.1f} req/s，p50 {r['p50']:.1f} ms，p99 {r['p99']:.1f} ms"
            )
        list_page = next(p for p in pages if p.key == extra["pdf_list"])
        say("列表页 p99：单独，以及另有一个客户端不停下载纪要 PDF 时")
        pdf = pdf_while_listing(
            port, list_page, cookies["office"], extra["pdf"], cookies["liaison"]
        )
        rss = worker_rss(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    admin = next(p for p in pages if p.key == "admin").result["rps"]
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    slowdown = pdf["with_pdf"]["p99"] / pdf["alone"]["p99"]
    max_rss = max((mb for _, mb in rss), default=0)
    lines = [
        f"jiuzhu 负载测试 {stamp}（git {commit}，{os.cpu_count()} 核）",
        f"gunicorn {WORKERS} 个 sync worker，{SETTINGS}（生产配置，无任何缓存：每次从数据库渲染），"
        f"PostgreSQL {DATABASE_URL}，wrk {CONNECTIONS} 个连接 × {DURATION} 秒/页（导出：1 个连接）",
        f"目标：每页 ≥ {MIN_OF_ADMIN:.0f}× admin 列表的 req/s，p99 ≤ {MAX_P99_MS:.0f} ms；"
        "查询/次与渲染 ms（中位数）在本进程用测试客户端测得",
        "数据：" + json.dumps(extra["counts"], ensure_ascii=False),
        "",
        *table(pages, admin),
        "",
        "搜索单独一人时的应答（连续 60 次，p95，目标 ≤ 100 ms）："
        + "，".join(
            f"{p.label}（{p.role}）{p.result['alone_p95']:.0f} ms"
            f"{'✓' if p.result['alone_p95'] <= 100 else '✗'}"
            for p in pages
            if "alone_p95" in p.result
        ),
        f"PDF 下载不阻塞他人：{list_page.label} p99 单独 {pdf['alone']['p99']:.1f} ms，"
        f"另一客户端同时下载 PDF 时 {pdf['with_pdf']['p99']:.1f} ms（×{slowdown:.2f}，"
        f"目标 ≤ {MAX_PDF_SLOWDOWN}：{'✓' if slowdown <= MAX_PDF_SLOWDOWN else '✗'}）；"
        f"同时 PDF 下载 {pdf['pdf']['rps']:.1f} 次/秒，每个 {pdf['pdf_bytes'] / 1024:.0f} KB",
        "测试后 worker 常驻内存："
        + "，".join(f"pid {pid} {mb:.0f} MB" for pid, mb in rss)
        + f"（目标 < {MAX_RSS_MB} MB：{'✓' if max_rss < MAX_RSS_MB else '✗'}）",
    ]
    if generation > 5:
        lines.append(f"本次生成负载数据用时 {generation:.0f} 秒。")
    report("bench", lines)


if __name__ == "__main__":
    main()
