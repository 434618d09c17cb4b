"""The mixed workload (`make bench-office`, `python -m bench.office`): an office at work, not one
URL. Sixty people — 5 office staff, 2 leaders, 45 liaisons of different units, 8 members — each
log in through the form, then walk home → list → detail → back, and search now and then (the
navigation's box, words an office looks for), with 1–3 s between pages (an
accelerated office: real people wait longer), and about one request in ten is a real write
through a form (进展反馈 on a task part, a new 议题, 签收 of issued minutes, a 核对 answer), each
counted only when the page after it shows the service's success message. The users are locust
users (bench/locustfile.py) against the same gunicorn, settings and ten-year database as
`make bench` (bench/pages.py), with no cache anywhere.

It prints requests/s, p50/p95/p99, errors and the share of writes for 60 users, then raises the
number of users (same mix, accounts shared round robin) until p95 passes 100 ms, and prints how
many such users the machine carries. Statistics start when every user has logged in (a login
is one PBKDF2 hash, ~0.3 s of CPU by design: an office logs in once in the morning, not all
at the same second).

Environment (besides bench/pages.py's BENCH_DATABASE_URL, BENCH_YEARS):
  BENCH_OFFICE_SECONDS   seconds measured per level, default 60
  BENCH_OFFICE_STEP      users added per level, default 60
  BENCH_OFFICE_MAX       most users tried, default 600
"""

import csv
import json
import os
import resource
import signal
import subprocess
import sys
import time

from bench.pages import (
    PASSWORD,
    PYTHON,
    RESULTS,
    ROOT,
    WORKERS,
    django_setup,
    ensure_database,
    free_port,
    prepare_data,
    report,
    run,
    say,
    server_env,
    start_gunicorn,
)

SECONDS = int(os.environ.get("BENCH_OFFICE_SECONDS", "60"))
STEP = int(os.environ.get("BENCH_OFFICE_STEP", "60"))
MOST = int(os.environ.get("BENCH_OFFICE_MAX", "600"))
MAX_P95_MS = 100.0
MIX = {"office": 5, "leader": 2, "liaison": 45, "member": 8}
PLAN = RESULTS / "office-plan.json"


def accounts() -> list:
    """The sixty accounts, made here (the demo accounts do not exist in production): liaisons
    spread over the units with the most open task parts, members over the other units."""
    from django.contrib.auth.models import Group
    from django.db.models import Count, Q

    from members.models import Unit, User
    from members.permissions import Role

    units = list(
        Unit.objects.filter(active=True)
        .annotate(open_parts=Count("task_parts", filter=Q(task_parts__done_at__isnull=True)))
        .order_by("-open_parts", "order")
    )
    office = Unit.objects.get(name="旗民政局")
    government = Unit.objects.get(name="旗人民政府")
    wanted = [(f"office{i}", Role.OFFICE, office) for i in range(1, MIX["office"] + 1)]
    wanted += [(f"leader{i}", Role.LEADER, government) for i in range(1, MIX["leader"] + 1)]
    wanted += [
        (f"liaison{i}", Role.LIAISON, units[(i - 1) % len(units)])
        for i in range(1, MIX["liaison"] + 1)
    ]
    wanted += [
        (f"member{i}", Role.MEMBER, units[-i % len(units)]) for i in range(1, MIX["member"] + 1)
    ]
    users = []
    for name, role, unit in wanted:
        user, _ = User.objects.get_or_create(username=f"bench-{name}")
        user.unit, user.is_active = unit, True
        user.last_name, user.first_name = "压测", name
        user.set_password(PASSWORD)
        user.save()
        user.groups.set([Group.objects.get_or_create(name=role.value)[0]])
        users.append((user, role))
    return users


def write_plan(users) -> dict:
    """What each account may open and write, from the database as it is now (earlier levels
    signed for some minutes: those are not offered again)."""
    from django.urls import reverse
    from django.utils import timezone

    from cases.models import Case, Verification
    from cases.permissions import cases_for_user
    from duties.models import Task
    from duties.permissions import task_actions, tasks_for_user
    from meetings.models import Distribution, Minutes
    from meetings.permissions import items_for_user, meetings_for_user, minutes_for_user

    def pattern(name):
        return reverse(name, args=[0]).replace("/0/", "/{}/")

    urls = {
        "tasks": pattern("duties:task-detail"),
        "meetings": pattern("meetings:meeting-detail"),
        "minutes": pattern("meetings:minutes-detail"),
        "items": pattern("meetings:item-detail"),
        "cases": pattern("cases:case-detail"),
        "verify": pattern("cases:verification-detail"),
    }

    def recent(qs, n=40):
        return list(qs.order_by("-pk").values_list("pk", flat=True)[:n])

    plan = {"today": timezone.localdate().isoformat(), "users": []}
    taken = set()  # a distribution is signed for by one account
    for user, role in users:
        entry = {"username": user.username, "role": role.name.lower(), "urls": urls}
        entry["tasks"] = recent(tasks_for_user(user))
        entry["meetings"] = recent(meetings_for_user(user))
        entry["minutes"] = recent(minutes_for_user(user))
        entry["items"] = recent(items_for_user(user))
        if entry["role"] == "office":
            entry["cases"] = recent(cases_for_user(user))
        if entry["role"] == "liaison":
            candidates = Task.objects.filter(
                status=Task.Status.OPEN, units__unit=user.unit, units__done_at__isnull=True
            ).order_by("-pk")[:60]
            entry["feedback"] = [t.pk for t in candidates if "feedback" in task_actions(user, t)]
            unsigned = Distribution.objects.filter(
                unit=user.unit, acknowledged_at__isnull=True, minutes__status=Minutes.Status.ISSUED
            ).exclude(pk__in=taken)
            ack = list(unsigned.values_list("pk", "minutes_id")[:20])
            taken |= {pk for pk, _ in ack}
            entry["ack"] = [minutes for _, minutes in ack]
            entry["verify"] = list(
                Verification.objects.filter(
                    unit=user.unit, case__status=Case.Status.VERIFYING
                ).values_list("pk", flat=True)[:20]
            )
        plan["users"].append(entry)
    PLAN.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    liaisons = [u for u in plan["users"] if u["role"] == "liaison"]
    return {
        "feedback": sum(bool(u["feedback"]) for u in liaisons),
        "ack": sum(len(u["ack"]) for u in liaisons),
        "verify": sum(bool(u["verify"]) for u in liaisons),
        "liaisons": len(liaisons),
    }


def _ms(value: str) -> float:
    return float("nan") if value in ("", "N/A") else float(value)


def run_level(port, n_users: int) -> dict:
    """One locust run, headless: spawn n_users over ~10 s, then measure SECONDS from the moment
    the last of them has logged in (bench/locustfile.py resets the figures then)."""
    prefix = RESULTS / f"office-{n_users}"
    spawn_rate = max(1, n_users // 10)
    env = {
        **os.environ,
        "BENCH_OFFICE_PLAN": str(PLAN),
        "BENCH_OFFICE_PASSWORD": PASSWORD,
        "BENCH_OFFICE_USERS": str(n_users),
        "BENCH_OFFICE_SECONDS": str(SECONDS),
        "PYTHONUNBUFFERED": "1",
    }
    locust = [PYTHON, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")]
    command = locust + [
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(n_users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{SECONDS + 300}s",  # an upper bound: the locustfile stops SECONDS after the last login
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    after, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic() - started
    # locust shares the machine with gunicorn and PostgreSQL: what it takes is not the server's.
    locust_cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / wall
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    failures = []
    if os.path.exists(f"{prefix}_failures.csv"):
        with open(f"{prefix}_failures.csv", encoding="utf-8") as f:
            failures = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    writes = sum(int(r["Request Count"]) for r in rows if r["Name"].startswith("写："))
    return {
        "users": n_users,
        "rps": float(total["Requests/s"]),
        "p50": _ms(total["50%"]),
        "p95": _ms(total["95%"]),
        "p99": _ms(total["99%"]),
        "requests": requests,
        "errors": int(total["Failure Count"]),
        "writes": writes,
        "write_share": writes / requests if requests else 0.0,
        "locust_cpu": locust_cpu,
        "rows": [r for r in rows if r["Name"] != "Aggregated"],
        "failures": failures,
    }


def describe(level: dict) -> str:
    return (
        f"{level['users']} 人：{level['rps']:.1f} req/s，p50 {level['p50']:.0f} ms，"
        f"p95 {level['p95']:.0f} ms，p99 {level['p99']:.0f} ms，"
        f"{level['requests']} 次请求，错误 {level['errors']}，"
        f"写 {level['writes']} 次（{level['write_share']:.1%}），locust 占 CPU {level['locust_cpu']:.0%}"
    )


def main():
    RESULTS.mkdir(exist_ok=True)
    ensure_database()
    prepare_data()
    run("manage.py", "collectstatic", "--noinput", "-v", "0")
    django_setup()
    users = accounts()
    port = free_port()
    say(f"启动 gunicorn（生产配置，无缓存）127.0.0.1:{port}")
    server = start_gunicorn(port)
    levels = []
    try:
        # Up by STEP from sixty while p95 holds; if sixty is already too many, down by a quarter.
        n_users, step = sum(MIX.values()), STEP
        while 0 < n_users <= MOST:
            pools = write_plan(users)
            say(
                f"{n_users} 人，每级测 {SECONDS} 秒（可写：{json.dumps(pools, ensure_ascii=False)}）"
            )
            level = run_level(port, n_users)
            levels.append(level)
            say("  " + describe(level))
            passed = level["p95"] <= MAX_P95_MS and not level["errors"]
            if len(levels) == 1 and not passed:
                step = -(n_users // 4)
            elif passed != (step > 0):
                break
            n_users += step
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    first = levels[0]
    carried = [lv["users"] for lv in levels if lv["p95"] <= MAX_P95_MS and not lv["errors"]]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"jiuzhu 办公室混合负载 {time.strftime('%Y-%m-%d %H:%M:%S')}（git {commit}，"
        f"{os.cpu_count()} 核），locust，gunicorn {WORKERS} 个 sync worker，生产配置，无缓存，"
        f"{server_env()['BENCH_DATABASE_URL']}",
        "人员：办公室 5、组长副组长 2、45 个单位的联络员、成员 8；每人先经表单登录，"
        "再走 首页 → 列表 → 详情 → 返回，每步间隔 1–3 秒；统计自全部登录后开始，"
        f"每级 {SECONDS} 秒",
        f"目标：60 人 p95 ≤ {MAX_P95_MS:.0f} ms，错误 0",
        "",
        "60 人："
        + describe(first).split("：", 1)[1]
        + f"（{'✓' if first['p95'] <= MAX_P95_MS and not first['errors'] else '✗'}）",
        "",
        f"{'页面/操作':<16}{'次数':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'错误':>6}",
    ]
    for row in sorted(first["rows"], key=lambda r: -int(r["Request Count"])):
        if not int(row["Request Count"]):
            continue
        lines.append(
            f"{row['Name']:<16}{int(row['Request Count']):>8}{_ms(row['50%']):>9.0f}"
            f"{_ms(row['95%']):>9.0f}{_ms(row['99%']):>9.0f}{int(row['Failure Count']):>6}"
        )
    for failure in first["failures"]:
        lines.append(
            f"错误：{failure.get('Name')} {failure.get('Error')} × {failure.get('Occurrences')}"
        )
    lines += ["", "逐级增加人数："] + ["  " + describe(lv) for lv in levels]
    if carried:
        lines.append(
            f"本机（{os.cpu_count()} 核）在 p95 ≤ {MAX_P95_MS:.0f} ms、无错误时最多承载约 "
            f"{max(carried)} 人这样的办公室用户"
            + ("（已到 BENCH_OFFICE_MAX）" if max(carried) >= MOST else "")
            + "。"
        )
    else:
        lines.append(f"p95 在每一级都超过 {MAX_P95_MS:.0f} ms（或有错误）。")
    report("office", lines)


if __name__ == "__main__":
    sys.exit(main())
