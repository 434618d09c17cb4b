"""The office's people for `python -m bench.office` (locust): each logs in through the form, then
walks home → list → detail → back, waiting 1–3 s between pages, and now and then writes through
a form as a person would (the form's page first, then its POST with the page's tokens).

The plan (bench-results/office-plan.json, written by bench.office from the database) gives each
account what it may open and what it may write: the tasks its unit has an open part in, the
minutes distributed to its unit not yet signed for, the verification requests put to its unit.
A write counts as done only when the page after it shows the service's success message.
"""

import json
import os
import random
import re
from itertools import count
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["BENCH_OFFICE_PLAN"]).read_text(encoding="utf-8"))
PASSWORD = os.environ["BENCH_OFFICE_PASSWORD"]
# How often a liaison's walk is a write instead: 0.45 makes about 10 % of all requests POSTs with
# this mix of roles and paths (bench.office prints the share it measured).
WRITE_CHANCE = float(os.environ.get("BENCH_OFFICE_WRITE_CHANCE", "0.45"))
# Each new user takes the next account, round robin, in an order shuffled once (the same every
# run) so that fewer or more users than sixty keep about the same mix of roles.
_ORDER = PLAN["users"][:]
random.Random(12).shuffle(_ORDER)
ACCOUNTS = iter(_ORDER * 1000)
SERIAL = count(1)
USERS = int(os.environ["BENCH_OFFICE_USERS"])
SECONDS = int(os.environ["BENCH_OFFICE_SECONDS"])
LOGGED_IN = count(1)
RUNNER = []


@events.init.add_listener
def _keep_runner(environment, **kw):
    RUNNER.append(environment.runner)


def logged_in():
    """Figures count from the moment the last user has logged in: a login is a PBKDF2 hash by
    design (~0.3 s of CPU), and sixty of them at once are not what an office's day is made of."""
    if next(LOGGED_IN) == USERS:
        RUNNER[0].stats.reset_all()
        gevent.spawn_later(SECONDS, RUNNER[0].quit)


# A list page, its name in the figures, the plan's key of its rows, the row's page.
WALKS = {
    "tasks": ("/duties/tasks/", "督办台账", "tasks", "督办事项页"),
    "meetings": ("/meetings/", "会议列表", "meetings", "会议页"),
    "minutes": ("/meetings/minutes/", "纪要列表", "minutes", "纪要页"),
    "cases": ("/cases/", "个案列表", "cases", "个案页"),
    "items": ("/meetings/items/", "议题列表", "items", "议题页"),
    "roster": ("/members/", "领导小组名单", None, None),
    "catalogue": ("/duties/", "职责清单", None, None),
}
PATHS = {
    "office": ["tasks", "meetings", "minutes", "cases", "items"],
    "leader": ["minutes", "tasks", "meetings"],
    "liaison": ["tasks", "minutes", "items", "meetings"],
    "member": ["minutes", "roster", "catalogue"],
}

SEARCHES = ["低保", "取暖 补贴", "临时救助", "医疗救助", "低保标准调整", "残疾人", "教育救助"]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


class Person(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.account = next(ACCOUNTS)
        self.role = self.account["role"]
        self.origin = self.host.replace("http://", "https://")
        self.back = "/"
        page = self.open("/accounts/login/", "登录页")
        data = {"username": self.account["username"], "password": PASSWORD}
        response = self.send("/accounts/login/", data, page, name="登录")
        if response.status_code != 302:
            raise RuntimeError(f"{self.account['username']} 登录失败（{response.status_code}）")
        self.open(response.headers["Location"], f"首页（{self.role}）")
        logged_in()

    def headers(self, referer=None) -> dict:
        """As the browser sends them through the proxy that ends TLS (X-Forwarded-Proto). The
        cookies are written out by hand: the session and CSRF cookies are Secure (production
        settings), and requests will not send a Secure cookie over the plain HTTP the proxy
        header stands in for."""
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{c.name}={c.value}" for c in self.client.cookies),
        }
        if referer:
            headers |= {"Origin": self.origin, "Referer": f"{self.origin}{referer}"}
        return headers

    def open(self, url, name):
        return self.client.get(url, name=name, headers=self.headers(), allow_redirects=False)

    def send(self, url, data, page, *, name, referer=None, **kw):
        """POSTs a form with the tokens of the page it is on; redirects are not followed."""
        tokens = {"csrfmiddlewaretoken": CSRF.search(page.text)[1]}
        if form_token := FORM_TOKEN.search(page.text):
            tokens["form_token"] = form_token[1]
        return self.client.post(
            url,
            {**data, **tokens},
            name=name,
            headers=self.headers(referer or url),
            allow_redirects=False,
            **kw,
        )

    def walk(self, list_url, list_name, key, detail_name):
        """A list, one of its rows, and back to where the user came from."""
        self.open(list_url, list_name)
        ids = self.account.get(key) or []
        if ids:
            self.open(self.account["urls"][key].format(random.choice(ids)), detail_name)
        self.open(self.back, "返回")

    @task(3)
    def home(self):
        self.open("/", f"首页（{self.role}）")
        self.back = "/"

    @task(1)
    def search(self):
        """The navigation's search box, with what an office looks for."""
        self.open(f"/search/?{urlencode({'q': random.choice(SEARCHES)})}", "搜索")
        self.open(self.back, "返回")

    @task(6)
    def browse(self):
        if random.random() < WRITE_CHANCE and self.write():
            return
        walks = [WALKS[key] for key in PATHS[self.role]]
        list_url, list_name, key, detail_name = random.choice(walks)
        if key is None:
            self.open(list_url, list_name)
            self.open(self.back, "返回")
        else:
            self.walk(list_url, list_name, key, detail_name)
        self.back = list_url

    # --- writing (liaisons: feedback, a new agenda item, signing for minutes, answering) -------

    def write(self) -> bool:
        if self.role != "liaison":
            return False
        choices = [self.feedback, self.new_item]
        if self.account.get("ack"):
            choices.append(self.acknowledge)
        if self.account.get("verify"):
            choices.append(self.answer)
        random.choice(choices)()
        return True

    def post_form(self, page_url, page_name, post_url, data, name, success):
        """The form's page, its POST, and the page the POST leads to, which must show the
        service's success message (messages are shown on the next page)."""
        page = self.open(page_url, page_name)
        with self.send(
            post_url, data, page, name=f"写：{name}", referer=page_url, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"{name}：{response.status_code}，没有转到下一页")
                return
            after = self.open(response.headers["Location"], "写后页面")
            if success in after.text:
                response.success()
            else:
                response.failure(f"{name}：下一页没有“{success}”")

    def feedback(self):
        if not self.account.get("feedback"):
            return self.new_item()
        url = self.account["urls"]["tasks"].format(random.choice(self.account["feedback"]))
        self.post_form(
            url,
            "督办事项页",
            f"{url}feedback/",
            {"text": f"压测反馈第 {next(SERIAL)} 条：已完成本阶段摸底。", "date": PLAN["today"]},
            "进展反馈",
            "进展反馈已提交。",
        )

    def new_item(self):
        n = next(SERIAL)
        self.post_form(
            "/meetings/items/new/",
            "提交议题页",
            "/meetings/items/new/",
            {
                "title": f"压测议题 {n}",
                "background": "冬季取暖补贴发放进度需要各单位协同推进。",
                "proposal": "建议由旗民政局牵头，于月底前完成发放。",
            },
            "提交议题",
            "议题已提交",
        )

    def acknowledge(self):
        pk = self.account["ack"].pop()
        url = self.account["urls"]["minutes"].format(pk)
        self.post_form(url, "纪要页", f"{url}acknowledge/", {}, "签收纪要", "已签收。")

    def answer(self):
        url = self.account["urls"]["verify"].format(random.choice(self.account["verify"]))
        self.post_form(
            url,
            "核对请求页",
            url,
            {"answer": f"经核对，该户无机动车辆、无工商登记（压测 {next(SERIAL)}）。"},
            "答复核对",
            "核对结果已答复。",
        )
