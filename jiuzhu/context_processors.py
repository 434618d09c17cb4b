import functools

from django.urls import get_script_prefix, reverse

SECTIONS = {
    ("", "home"): "home",
    ("", "calendar"): "calendar",
    ("members", "inbox"): "inbox",
    ("members", "notify"): "inbox",
    ("members", "delivery"): "inbox",
    ("members", "workday"): "inbox",
    ("members", None): "roster",
    ("duties", "catalogue"): "duties",
    ("duties", "unit-list"): "units",
    ("duties", "unit-detail"): "units",
    ("duties", "task"): "tasks",
    ("duties", "escalation"): "tasks",
    ("duties", "extension"): "tasks",
    ("duties", "feedback"): "tasks",
    ("duties", "round"): "unitwork",
    ("duties", "report"): "unitwork",
    ("duties", "indicator"): "unitwork",
    ("duties", "publication"): "unitwork",
    ("duties", "policy"): "unitwork",
    ("duties", "scheme"): "unitwork",
    ("meetings", "item"): "items",
    ("meetings", "material"): "items",
    ("meetings", "meeting"): "meetings",
    ("meetings", "minutes"): "minutes",
    ("cases", None): "cases",
}


NAV_ITEMS = [
    ("home", "home", "首页"),
    ("roster", "members:roster", "领导小组"),
    ("items", "meetings:item-list", "议题"),
    ("meetings", "meetings:meeting-list", "会议"),
    ("minutes", "meetings:minutes-list", "纪要"),
    ("tasks", "duties:task-list", "督办"),
    ("cases", "cases:case-list", "个案"),
    ("calendar", "calendar", "日历"),
    ("duties", "duties:catalogue", "职责清单"),
    ("units", "duties:unit-list", "成员单位"),
]


# One menu for the units' periodic work (信息报送, 政策清单, 年度考评), so the bar stays one line.
UNIT_WORK_ITEMS = [
    ("duties:round-list", "救助信息报送"),
    ("duties:publication-list", "统计情况（对外发布）"),
    ("duties:policy-list", "政策清单"),
    ("duties:scheme-list", "年度考评"),
]


def navigation(request):
    """The navigation entries, and which one the current page belongs to."""
    prefix = get_script_prefix()
    return {
        "nav_items": _nav_links(prefix),
        "nav_unit_work": _unit_work_links(prefix),
        "nav_section": _section(request),
    }


@functools.cache
def _unit_work_links(script_prefix: str) -> list[tuple[str, str]]:
    return [(reverse(name), label) for name, label in UNIT_WORK_ITEMS]


@functools.cache
def _nav_links(script_prefix: str) -> list[tuple[str, str, str]]:
    """(section, URL, label): reversed once per process (per script prefix), not on every page."""
    return [(section, reverse(name), label) for section, name, label in NAV_ITEMS]


def _section(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    ns, name = match.namespace, match.url_name or ""
    for (section_ns, prefix), section in SECTIONS.items():
        if ns == section_ns and (prefix is None or name == prefix or name.startswith(f"{prefix}-")):
            return section
    return ""
