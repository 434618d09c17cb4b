"""Ten years of a busy county for `make bench`: `python -m bench.load_data [--years 10]`.

Made by the apps' own services, never by restating them (bench/year.py):
1. the year before last's work, start to finish, through the services with the clock at each
   step's moment — the finished year every older year is copied from;
2. that year copied back to fill the older years (bench/copies.py: rows, history rows and
   many-to-many rows as the services left them, dates and year numbers shifted);
3. this year through the services up to today, so that what is open, late or waiting today is
   what the services left open.

Into BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/jiuzhu_bench, bench/settings.py)
once: a database that already holds the data is left as it is. Fictitious people with well-formed
ID numbers; the charter's real units, seats and duties.
"""

import argparse
import datetime
import os
import sys
import time

MARKER = "bench-load-data"  # a members.Sequence row: its number is the years generated


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


class Progress:
    """One line redrawn in place: 负载数据 [██████░░░░]  60%  服务办理 2026-05  42 s."""

    WIDTH = 30

    def __init__(self, phases, out=sys.stderr):
        self.phases = phases  # [(name, weight)]
        self.total = sum(weight for _, weight in phases)
        self.out, self.tty = out, out.isatty()
        self.started = time.monotonic()
        self.index, self.shown = 0, None

    def show(self, index, fraction, note=""):
        before = sum(weight for _, weight in self.phases[:index])
        done = (before + self.phases[index][1] * max(0.0, min(fraction, 1.0))) / self.total
        percent = int(done * 100)
        key = (index, percent if self.tty else percent // 10)
        if key == self.shown:
            return
        self.shown = key
        filled = int(done * self.WIDTH)
        line = (
            f"负载数据 [{'█' * filled}{'░' * (self.WIDTH - filled)}] {percent:3d}%  "
            f"{self.phases[index][0]} {note:<10} {time.monotonic() - self.started:5.0f} s"
        )
        self.out.write(f"\r{line}" if self.tty else f"{line}\n")
        self.out.flush()

    def end(self):
        if self.tty:
            self.out.write("\n")


def make_people(first_year: int):
    """The accounts of the simulated office: 5 office staff, 2 leaders, 1–2 liaisons per unit."""
    from django.contrib.auth.models import Group

    from duties.models import Duty
    from members.models import Liaison, Person, Unit, User
    from members.permissions import Role

    from .words import GIVEN, SURNAMES
    from .year import People

    groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    units = {u.name: u for u in Unit.objects.filter(active=True).order_by("order", "pk")}
    busy = {
        "旗民政局",
        "旗公安局",
        "旗财政局",
        "旗教体局",
        "旗医疗保障局",
        "旗人力资源和社会保障局",
    }
    # towns register cases and answer for their people: two liaisons each as well
    people = People(office=[], leaders=[], liaisons={}, units=units, towns=[], duties={})
    n = 0

    def user(username, role, unit, post=""):
        nonlocal n
        n += 1
        name = (
            SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 13) % len(GIVEN)]
        )
        u = User.objects.create(
            username=username, last_name=name[0], first_name=name[1:], unit=unit, is_active=True
        )
        u.set_unusable_password()  # signs in only through bench.pages, which sets its own
        u.save(update_fields=["password"])
        u.groups.add(groups[role])
        if role == Role.LIAISON:
            person = Person.objects.create(name=name, user=u)
            Liaison.objects.create(
                unit=unit, person=person, post=post, start=datetime.date(first_year, 1, 1)
            )
        return u

    home = units["旗民政局"]
    people.office = [user(f"load-office{i}", Role.OFFICE, home) for i in range(1, 6)]
    people.leaders = [
        user("load-leader1", Role.LEADER, units["旗人民政府"]),
        user("load-leader2", Role.LEADER, home),
    ]
    for unit in units.values():
        if unit.kind == Unit.Kind.GOVERNMENT:
            continue
        count = 2 if unit.name in busy or unit.kind == Unit.Kind.TOWN else 1
        people.liaisons[unit.pk] = [
            user(f"load-liaison{unit.pk}-{i}", Role.LIAISON, unit, "联络员") for i in range(count)
        ]
        people.duties[unit.pk] = list(Duty.objects.for_unit(unit))
    for i, name in enumerate(["旗财政局", "旗公安局", "旗教体局", "旗卫生健康委员会"], 1):
        user(f"load-member{i}", Role.MEMBER, units[name])
    people.towns = [u for u in units.values() if u.kind == Unit.Kind.TOWN]
    return people


def generate(years: int, *, scale: float = 1.0, seed: int = 2024, out=sys.stdout) -> bool:
    """Generate into the configured database unless it already holds the data; True if made."""
    from django.db import connection, transaction
    from django.utils import timezone

    from meetings.models import Meeting
    from members.models import Seat, Sequence

    from .copies import Copier
    from .year import Scheduler, Volume, Year, aware

    done = Sequence.objects.filter(key=MARKER).first()
    if done:
        out.write(f"负载数据已在库中（{done.last_number} 年），不再生成。\n")
        return False
    if Meeting.objects.exists():
        sys.exit("数据库里已有会议数据但不是完整的负载数据：请删除该数据库后重试。")
    if not Seat.objects.exists():
        sys.exit("请先运行 manage.py load_charter 载入《制度》名单。")
    if connection.vendor == "postgresql":
        # A lost last second of a benchmark database costs nothing; a flush per step is minutes.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")

    now = timezone.now()
    this_year = timezone.localdate().year
    volume = Volume().scaled(scale)
    copies = max(0, years - 2)
    finished = this_year - 1 if years >= 2 else None
    phases = [("服务办理（已办结年度）", 45), ("复制往年", 15), ("服务办理（本年）", 40)]
    progress = Progress(phases)
    people = make_people(this_year - years + 1)
    started = time.monotonic()

    if finished:
        year = Year(finished, people, volume, finished=True, seed=seed)
        until = aware(datetime.date(finished + 1, 6, 30))
        scheduler = Scheduler(
            aware(datetime.date(finished, 1, 1)),
            until,
            lambda f, at: progress.show(0, f, f"{at:%Y-%m}"),
        )
        year.plan(scheduler)
        scheduler.run()
        out_steps = scheduler.steps
    else:
        out_steps = 0
    progress.show(1, 0)
    if copies:
        copier = Copier()
        total = copier.total_rows * copies
        written = 0
        for k in range(1, copies + 1):
            with transaction.atomic():
                base = written
                written += copier.copy(
                    k,
                    lambda n, base=base, k=k: progress.show(
                        1, (base + n) / total, f"{finished - k}"
                    ),
                )
    year = Year(this_year, people, volume, finished=False, seed=seed + 1)
    scheduler = Scheduler(
        aware(datetime.date(this_year, 1, 1)),
        now,
        lambda f, at: progress.show(2, f, f"{at:%Y-%m}"),
    )
    year.plan(scheduler)
    scheduler.run()
    Sequence.objects.create(key=MARKER, last_number=years)
    progress.show(2, 1)
    progress.end()
    out.write(
        f"已生成 {years} 年负载数据：服务办理 {out_steps + scheduler.steps} 步，"
        f"复制 {copies} 个年度，用时 {time.monotonic() - started:.0f} 秒。\n"
    )
    return True


def counts() -> dict:
    from cases.models import Case
    from duties.models import Task
    from meetings.models import AgendaItem, Meeting, Minutes

    return {
        "会议": Meeting.objects.count(),
        "议题": AgendaItem.objects.count(),
        "已印发纪要": Minutes.objects.filter(status=Minutes.Status.ISSUED).count(),
        "督办事项": Task.objects.count(),
        "办理中": Task.objects.filter(status=Task.Status.OPEN).count(),
        "个案": Case.objects.count(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="为负载测试生成若干年的模拟数据（经各应用的 services 办理）。"
    )
    parser.add_argument("--years", type=int, default=10, help="年度数（含本年），默认 10")
    parser.add_argument("--scale", type=float, default=1.0, help="每年工作量的倍数，默认 1")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    setup()
    from bench.certificate import ensure_certificate

    ensure_certificate()
    if generate(args.years, scale=args.scale, seed=args.seed):
        print(counts())


if __name__ == "__main__":
    main()
