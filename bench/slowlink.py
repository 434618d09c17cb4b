"""The slow-link benchmark (`make bench-slow-link`, `python -m bench.slowlink`): what a county
office on a poor line waits for. Debian's chromium, driven by Playwright, with DevTools network
emulation at 1 Mbit/s both ways and 100 ms round trip, against gunicorn with production settings
(bench/settings.py: WhiteNoise's CompressedManifestStaticFilesStorage) on the bench database.

In a fresh browser context (empty cache) it opens the login page, then logs in through the form
as bench-office and waits for the home page the login leads to: the first visit of each, the home
page meeting the static files the login page left in the cache, as a real user does. For each it
prints the time to the load event, the requests and the bytes actually transferred (of them the
static files, and what came from the cache), then every request with its type, status, bytes,
content encoding and Cache-Control, and writes it all to bench-results/slowlink-<time>.txt.
Target (issue 12): load ≤ 1.5 s on each page. It also lists every static file requested without
the manifest hash in its name, without a far-future Cache-Control, or as text (CSS, JS, SVG)
served uncompressed, and anything requested after the load event.

Each measurement is taken BENCH_SLOW_RUNS times (default 3), each in a new context; the table
gives the median load time, the request list is that of the first run.

Environment: bench/pages.py's BENCH_DATABASE_URL and BENCH_YEARS (the same database as
`make bench`), and BENCH_SLOW_RUNS.
"""

import base64
import contextlib
import gzip
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.pages import (
    DATABASE_URL,
    PASSWORD,
    RESULTS,
    ROOT,
    bench_users,
    cell,
    django_setup,
    ensure_database,
    free_port,
    prepare_data,
    report,
    run,
    say,
    start_gunicorn,
    whole,
)

RUNS = int(os.environ.get("BENCH_SLOW_RUNS", "3"))
LATENCY_MS = 100  # round trip, added by chromium to every request
THROUGHPUT = 1_000_000 / 8  # 1 Mbit/s in bytes per second, down and up
MAX_LOAD_MS = 1500
FAR_FUTURE = 365 * 24 * 3600  # a year: WhiteNoise gives hashed files ten (315360000 s)
# ManifestStaticFilesStorage's name: jiuzhu.3f2a9c1b0d4e.css (twelve hex digits of the MD5).
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
TEXT = re.compile(r"\.(css|js|mjs|svg|map|txt|json|html)$")
# As tests/browser/conftest.py launches it (no Playwright download, no background traffic).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- recording one navigation through the DevTools protocol -----------------------------------


@dataclass
class Request:
    url: str
    method: str
    kind: str  # CDP's resource type, lower case: document, stylesheet, script, font, image, …
    started: float  # wall clock, ms since the epoch
    status: int | None = None
    headers: dict = field(default_factory=dict)  # response headers, names in lower case
    bytes: int = 0  # encodedDataLength: headers and body as they crossed the (emulated) line
    cache: str = ""  # memory / disk when served from the browser's cache
    failed: str = ""
    id: str = ""  # the DevTools request id

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def static(self) -> bool:
        return self.path.startswith("/static/")

    @property
    def encoding(self) -> str:
        return self.headers.get("content-encoding", "")

    @property
    def cache_control(self) -> str:
        return self.headers.get("cache-control", "")


class Recorder:
    """Every request of the page's target as the network stack saw it; a redirect ends one
    request (with its own status and bytes) and starts the next under the same id."""

    def __init__(self, cdp):
        self.cdp = cdp
        self.requests: list[Request] = []
        self.live: dict[str, Request] = {}
        cdp.on("Network.requestWillBeSent", self.sent)
        cdp.on("Network.responseReceived", self.received)
        cdp.on("Network.requestServedFromCache", self.from_cache)
        cdp.on("Network.loadingFinished", self.finished)
        cdp.on("Network.loadingFailed", self.failed)

    def reset(self):
        self.requests, self.live = [], {}

    def sent(self, e):
        previous = self.live.get(e["requestId"])
        if previous and e.get("redirectResponse"):
            response = e["redirectResponse"]
            previous.status = response["status"]
            previous.headers = {k.lower(): v for k, v in response["headers"].items()}
            previous.bytes = int(response.get("encodedDataLength", 0))
        request = Request(
            url=e["request"]["url"],
            method=e["request"]["method"],
            kind=e.get("type", "Other").lower(),
            started=e["wallTime"] * 1000,
            id=e["requestId"],
        )
        self.requests.append(request)
        self.live[e["requestId"]] = request

    def received(self, e):
        request = self.live.get(e["requestId"])
        if request is None:
            return
        response = e["response"]
        request.status = response["status"]
        request.headers = {k.lower(): v for k, v in response["headers"].items()}
        if response.get("fromDiskCache"):
            request.cache = request.cache or "disk"
        if response.get("fromPrefetchCache"):
            request.cache = "prefetch"

    def from_cache(self, e):
        request = self.live.get(e["requestId"])
        if request is not None:
            request.cache = "memory" if not request.cache else request.cache

    def finished(self, e):
        request = self.live.get(e["requestId"])
        if request is not None:
            request.bytes = int(e["encodedDataLength"])

    def failed(self, e):
        request = self.live.get(e["requestId"])
        if request is not None:
            request.failed = e.get("errorText") or "failed"


@dataclass
class Visit:
    label: str
    load_ms: float  # fetch of the page's document (after any redirect) to the load event
    requests: list[Request]  # the page's own: from its document on
    before: list[Request]  # what led there (the login's POST and its redirect)
    after_load: list[Request]
    total_ms: float | None = None  # from the click, when the page came from a form
    html_gzip: int | None = None  # the document gzipped, when it came uncompressed

    @property
    def transferred(self) -> int:
        return sum(r.bytes for r in self.requests)

    @property
    def static_bytes(self) -> int:
        return sum(r.bytes for r in self.requests if r.static)

    @property
    def cached(self) -> list[Request]:
        return [r for r in self.requests if r.cache]


TIMING = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  return {origin: performance.timeOrigin, fetchStart: n.fetchStart, loadEventStart: n.loadEventStart};
}"""


def settle(page):
    """Whatever the page still asks for after its load event is recorded too."""
    from playwright.sync_api import TimeoutError

    with contextlib.suppress(TimeoutError):  # a page that never goes idle: as it stands
        page.wait_for_load_state("networkidle", timeout=5000)


def visit(page, recorder, label, *, clicked_at=None) -> Visit:
    timing = page.evaluate(TIMING)
    settle(page)
    load_at = timing["origin"] + timing["loadEventStart"]
    requests = list(recorder.requests)
    # The page's document is the last navigation request; what came before it led there.
    first = max(i for i, r in enumerate(requests) if r.kind == "document")
    own = requests[first:]
    document, html_gzip = own[0], None
    if not document.encoding:
        body = recorder.cdp.send("Network.getResponseBody", {"requestId": document.id})
        raw = base64.b64decode(body["body"]) if body["base64Encoded"] else body["body"].encode()
        html_gzip = len(gzip.compress(raw))
    return Visit(
        label=label,
        load_ms=timing["loadEventStart"] - timing["fetchStart"],
        requests=own,
        before=requests[:first],
        after_load=[r for r in own if r.started > load_at and r.kind != "document"],
        total_ms=None if clicked_at is None else load_at - clicked_at,
        html_gzip=html_gzip,
    )


def emulate_slow_link(context, page):
    cdp = context.new_cdp_session(page)
    recorder = Recorder(cdp)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": THROUGHPUT,
            "uploadThroughput": THROUGHPUT,
        },
    )
    return recorder


def one_run(browser, base) -> tuple[Visit, Visit]:
    """A new context (empty cache): the login page cold, then log in and wait for home."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
        # The reverse proxy's word that TLS was terminated (bench/pages.py sends the same).
        extra_http_headers={"X-Forwarded-Proto": "https"},
    )
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        recorder = emulate_slow_link(context, page)
        response = page.goto(f"{base}/accounts/login/", wait_until="load")
        if response is None or response.status != 200:
            sys.exit(f"登录页返回 {response and response.status}。")
        login = visit(page, recorder, "登录页（首次访问，空缓存）")

        recorder.reset()
        page.get_by_label("用户名").fill("bench-office")
        page.get_by_label("密码").fill(PASSWORD)
        clicked_at = page.evaluate("() => performance.timeOrigin + performance.now()")
        with page.expect_navigation(url=f"{base}/", wait_until="load"):
            page.get_by_role("button", name="登录").click()
        home = visit(page, recorder, "首页（登录后首次访问）", clicked_at=clicked_at)
        if not home.requests or home.requests[0].status != 200:
            sys.exit("登录后没有到达首页。")
        return login, home
    finally:
        context.close()


# --- the report --------------------------------------------------------------------------------


def summary(runs: list[tuple[Visit, Visit]]) -> list[str]:
    heads = [
        ("页面", 28, False),
        ("载入用时 ms", 12, True),
        ("各次 ms", 20, True),
        ("请求数", 7, True),
        ("传输字节", 10, True),
        ("其中静态文件", 13, True),
        ("来自缓存", 9, True),
        ("目标", 0, False),
    ]
    lines = ["  ".join(cell(h, w, r) for h, w, r in heads)]
    lines.append("-" * (sum(w for _, w, _ in heads) + 2 * len(heads) + 14))
    for i in range(2):
        visits = [run_[i] for run_ in runs]
        first = visits[0]
        load = statistics.median(v.load_ms for v in visits)
        ok = load <= MAX_LOAD_MS
        values = [
            first.label,
            f"{load:.0f}",
            " / ".join(f"{v.load_ms:.0f}" for v in visits),
            str(len(first.requests)),
            f"{first.transferred:,}",
            f"{first.static_bytes:,}",
            f"{len(first.cached)} 个",
            f"{'✓' if ok else '✗'} ≤ {MAX_LOAD_MS} ms" if ok else f"✗ > {MAX_LOAD_MS} ms",
        ]
        lines.append("  ".join(cell(v, w, r) for v, (_, w, r) in zip(values, heads, strict=True)))
    return lines


def request_list(v: Visit) -> list[str]:
    heads = [
        ("类型", 11, False),
        ("状态", 5, True),
        ("传输字节", 9, True),
        ("压缩", 6, False),
        ("缓存", 6, False),
        ("Cache-Control", 36, False),
        ("地址", 0, False),
    ]
    lines = [f"{v.label}：", "  " + "  ".join(cell(h, w, r) for h, w, r in heads)]
    for r in [*v.before, *v.requests]:
        values = [
            r.kind,
            str(r.status or "—"),
            f"{r.bytes:,}",
            r.encoding or "—",
            {"memory": "内存", "disk": "磁盘", "prefetch": "预取"}.get(r.cache, "—"),
            r.cache_control or "—",
            f"{r.method + ' ' if r.method != 'GET' else ''}{r.path}"
            + ("（登录表单，不计入首页）" if r in v.before else "")
            + (f"（失败：{r.failed}）" if r.failed else ""),
        ]
        lines.append(
            "  " + "  ".join(cell(x, w, rr) for x, (_, w, rr) in zip(values, heads, strict=True))
        )
    return lines


def max_age(cache_control: str) -> int:
    m = re.search(r"max-age=(\d+)", cache_control)
    return int(m.group(1)) if m else 0


def findings(visits: list[Visit]) -> list[str]:
    """What issue 12 asks of static files, checked on every one the pages requested."""
    seen: dict[str, Request] = {}
    for v in visits:
        for r in v.requests:
            if r.static and r.status == 200 and r.path not in seen:
                seen[r.path] = r
    unhashed = [p for p in seen if not HASHED.search(p)]
    short = [p for p, r in seen.items() if max_age(r.cache_control) < FAR_FUTURE]
    plain = [p for p, r in seen.items() if TEXT.search(p) and not r.encoding]
    # The tab's icon is fetched by the browser after the load event, by design: not a finding.
    late = sorted({r.path for v in visits for r in v.after_load if "/favicon." not in r.path})
    failed = sorted(
        {r.path for v in visits for r in v.requests if r.failed or (r.status or 0) >= 400}
    )
    lines = [f"静态文件 {len(seen)} 个（两页合计，不重复）："]
    for title, paths in [
        ("名称不含清单哈希", unhashed),
        (f"Cache-Control 不足一年（max-age < {FAR_FUTURE}）", short),
        ("文本文件（CSS/JS/SVG）未压缩传输", plain),
        ("load 事件之后才请求", late),
        ("失败或 4xx/5xx", failed),
    ]:
        lines.append(f"  {'✓ 没有' if not paths else '✗'} {title}" + ("" if not paths else "："))
        lines += [f"      {p}" for p in paths]
    return lines


def html_note(visits: list[Visit]) -> list[str]:
    """Django sends its pages uncompressed (compression is the reverse proxy's choice): what
    gzip would save on this line, for information (not a target)."""
    plain = [v for v in visits if v.html_gzip is not None]
    if not plain:
        return []
    return [
        "页面 HTML 未压缩传输（动态页面由 Django 原样发出，是否压缩由反向代理决定；仅供参考）："
        + "，".join(
            f"{v.label.split('（')[0]} {v.requests[0].bytes:,} B，gzip 后约 {v.html_gzip:,} B"
            for v in plain
        )
    ]


# --- running it --------------------------------------------------------------------------------


def busy(url) -> bool:
    """Is another process connected to the database (a generation still writing it)?"""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            return False
        others = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchone()[0]
    return others > 0 and not whole(url)


def main():
    RESULTS.mkdir(exist_ok=True)
    # ensure_database() drops a half-made database to make it again: never one that another
    # process (`make bench` generating the ten years) is still writing.
    if busy(DATABASE_URL):
        sys.exit(f"数据库 {DATABASE_URL} 的负载数据正在由另一进程生成，请等它完成后再运行。")
    ensure_database()
    say(f"数据库 {DATABASE_URL}")
    generation = prepare_data()
    run("manage.py", "collectstatic", "--noinput", "-v", "0")
    django_setup()
    bench_users()

    chromium = shutil.which("chromium")
    if not chromium:
        sys.exit("找不到 chromium：请运行 apt-get install chromium。")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The browser posts the login form with Origin http://…: trusted as the proxy's origin would be.
    os.environ["DJANGO_CSRF_TRUSTED_ORIGINS"] = base
    say(f"启动 gunicorn（生产配置，WhiteNoise）{base}")
    server = start_gunicorn(port)
    try:
        from playwright.sync_api import sync_playwright

        say(
            f"chromium 网络模拟 {THROUGHPUT * 8 / 1e6:g} Mbit/s、往返 {LATENCY_MS} ms；"
            f"每页 {RUNS} 次，每次新的浏览器上下文（空缓存）"
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
            )
            version = browser.version
            runs = []
            for n in range(RUNS):
                login, home = one_run(browser, base)
                say(f"  第 {n + 1} 次：登录页 {login.load_ms:.0f} ms，首页 {home.load_ms:.0f} ms")
                runs.append((login, home))
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    login, home = runs[0]
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    total = statistics.median(h.total_ms for _, h in runs)
    lines = [
        f"jiuzhu 慢速网络测试 {stamp}（git {commit}，chromium {version}）",
        f"网络模拟（DevTools）：{THROUGHPUT * 8 / 1e6:g} Mbit/s 上下行，往返 {LATENCY_MS} ms；"
        f"gunicorn + bench.settings（生产配置，WhiteNoise），{DATABASE_URL}",
        f"载入用时：页面文档开始请求到 load 事件，{RUNS} 次的中位数；目标 ≤ {MAX_LOAD_MS} ms。"
        "传输字节：经过网络的响应头与正文（encodedDataLength），第 1 次的请求",
        "",
        *summary(runs),
        "",
        f"从点击“登录”到首页 load（含登录 POST、PBKDF2 校验密码和 302 跳转）：中位数 {total:.0f} ms"
        f"（{' / '.join(f'{h.total_ms:.0f}' for _, h in runs)}）",
        f"首页来自缓存的文件：{'、'.join(r.path.rsplit('/', 1)[-1] for r in home.cached) or '无'}",
        "",
        *request_list(login),
        "",
        *request_list(home),
        "",
        *findings([login, home]),
        "",
        *html_note([login, home]),
    ]
    if generation > 5:
        lines.append(f"本次生成负载数据用时 {generation:.0f} 秒。")
    report("slowlink", lines)


if __name__ == "__main__":
    main()
