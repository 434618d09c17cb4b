"""The search box: one query over meetings, agenda items, minutes and their decisions, tasks and
their feedback, the duty catalogue, and (for the office only) cases.

How Chinese is matched. Users type Chinese without spaces, and a two-character word (低保) must
find 城乡低保标准调整. Word segmentation (jieba) would need a dictionary that knows the county's
terms and would still miss a word cut differently from how it was indexed; FTS5 and PostgreSQL
full-text search tokenize by spaces or need the same segmentation. So each word of the query
(words are what the user separates by spaces) is a plain substring match, `icontains`, over the
fields that are shown, and a document must contain every word. That is the same SQL on SQLite and
PostgreSQL and finds exactly what a user would find with Ctrl+F.

Speed on PostgreSQL: the migration jiuzhu/migrations/0001_search_trigram_indexes.py adds pg_trgm
GIN indexes on the searched columns, which serve any word of three or more characters (LIKE and
ILIKE alike); a one- or two-character word has no trigram: each kind is then read newest first
through its date index until the page is full, or to the end when the word is rare. On SQLite
there is no index for LIKE '%…%'; the embedded default is for small installations.

Permissions are applied in the query: every kind starts from its app's own visibility queryset
(items_for_user, meetings_for_user, minutes_for_user, tasks_for_user), so a result a user may
not see is never fetched. Cases go through cases.search, which returns nothing to anyone but
the office and logs every case it returns.
"""

import re
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from cases.search import search_cases
from duties.models import Duty, Feedback
from duties.permissions import tasks_for_user
from meetings import privacy
from meetings.models import Decision
from meetings.permissions import items_for_user, meetings_for_user, minutes_for_user

MAX_LENGTH = 100
MAX_WORDS = 6
PER_KIND = 20
SNIPPET_BEFORE, SNIPPET_LENGTH = 30, 120


NUMBER_IN_URL = (
    "为保护个人信息，身份证号和电话号码不经网址查询（网址会留在浏览记录和服务器日志中）。"
    "请在下面的搜索框中重新输入，点“搜索”提交。"
)


def holds_personal_number(query: str) -> bool:
    """An ID or phone number anywhere in the query, written any way the checker knows."""
    return bool(privacy.find({"搜索": query or ""}, terms=[]))


class QueryError(ValueError):
    """str(e) is the Chinese message shown above the (empty) results."""


def parse(query: str) -> list[str]:
    """The words of a query: split on any space (the full-width 　 too), repeated words once."""
    query = (query or "").replace("\x00", "").strip()
    if len(query) > MAX_LENGTH:
        raise QueryError(f"搜索内容太长：最多 {MAX_LENGTH} 个字。")
    if holds_personal_number(query):
        # An ID or phone number as people write it (152627 19680304 0215, 139-0000-2222) is one
        # word, not three: the separators between its digits go before the query is split.
        query = privacy.normalise(query)
    words = list(dict.fromkeys(query.split()))
    if len(words) > MAX_WORDS:
        raise QueryError(f"关键词太多：最多 {MAX_WORDS} 个，用空格分开。")
    return words


def matching(words: list[str], *fields: str) -> Q:
    """Every word in at least one of the fields.

    A word without letter case (Chinese, digits: nearly every query) is matched with `contains`,
    a plain LIKE: on PostgreSQL, icontains compares UPPER(field), which costs more than the
    match itself on Chinese text and cannot use the trigram index on the column. A word with
    Latin letters (PDF, id) is matched with icontains, case-insensitively."""

    def lookup(word):
        return "contains" if word.lower() == word.upper() else "icontains"

    return reduce(
        and_,
        (reduce(or_, (Q(**{f"{f}__{lookup(w)}": w}) for f in fields)) for w in words),
    )


def highlight(text: str, words: list[str]) -> SafeString:
    """`text` escaped, each occurrence of a word wrapped in <mark>. The matches are found in the
    raw text and every piece is escaped on its own, so a word never matches inside an entity
    (searching "amp" does not mark the &amp; of an escaped "&") and nothing the user typed or
    stored reaches the page unescaped."""
    spans = _spans(text, words)
    out, at = [], 0
    for start, end in spans:
        out.append(escape(text[at:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))


def _spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    if not words:
        return []
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(text):
        if spans and m.start() <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], m.end()))
        else:
            spans.append((m.start(), m.end()))
    return spans


def snippet(texts, words: list[str]) -> SafeString:
    """A short excerpt around the first match among `texts` (the first text if none matches)."""
    texts = [t for t in texts if t]
    if not texts:
        return mark_safe("")
    for text in texts:
        spans = _spans(text, words)
        if spans:
            break
    else:
        text, spans = texts[0], []
    text = " ".join(text.split())
    spans = _spans(text, words)
    start = max(0, spans[0][0] - SNIPPET_BEFORE) if spans else 0
    part = text[start : start + SNIPPET_LENGTH]
    return mark_safe(
        ("…" if start else "")
        + highlight(part, words)
        + ("…" if start + SNIPPET_LENGTH < len(text) else "")
    )


@dataclass
class Hit:
    title: SafeString
    url: str
    snippet: SafeString
    when: object = None  # a date or datetime, shown as 2026年6月25日
    note: str = ""


@dataclass
class Group:
    key: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False  # there were more than PER_KIND


def _group(key, label, rows, make) -> Group:
    rows = list(rows[: PER_KIND + 1])
    return Group(key, label, [make(r) for r in rows[:PER_KIND]], more=len(rows) > PER_KIND)


def search(user, words: list[str]) -> list[Group]:
    """The groups that have hits, in a fixed order; each newest first, at most PER_KIND."""
    if not words:
        return []
    groups = [
        _cases(user, words),
        _meetings(user, words),
        _items(user, words),
        _minutes(user, words),
        _decisions(user, words),
        _tasks(user, words),
        _feedback(user, words),
        _duties(words),
    ]
    return [g for g in groups if g.hits]


def _local(moment):
    return timezone.localtime(moment) if moment else None


def _cases(user, words):
    cases = search_cases(user, words)
    return Group(
        "cases",
        "急难救助个案",
        [
            Hit(
                highlight(f"{c.number_label} {c.deidentified_name}", words),
                c.get_absolute_url(),
                mark_safe(escape(f"{c.town.short_name} · {c.get_category_display()}")),
                note=c.get_status_display(),
            )
            for c in cases
        ],
    )


def _meetings(user, words):
    rows = (
        meetings_for_user(user)
        .filter(matching(words, "title", "place"))
        .order_by("-starts_at", "-pk")
    )
    return _group(
        "meetings",
        "会议",
        rows,
        lambda m: Hit(
            highlight(m.title, words),
            m.get_absolute_url(),
            highlight(
                f"{m.get_kind_display()} · {m.place}" if m.place else m.get_kind_display(), words
            ),
            _local(m.starts_at),
            m.get_status_display(),
        ),
    )


def _items(user, words):
    rows = (
        items_for_user(user)
        .filter(matching(words, "title", "background", "proposal"))
        .order_by("-submitted_at", "-pk")
    )
    return _group(
        "items",
        "议题",
        rows,
        lambda i: Hit(
            highlight(i.title, words),
            i.get_absolute_url(),
            snippet([i.background, i.proposal], words),
            _local(i.submitted_at),
            f"{i.unit.short_name} · {i.get_status_display()}",
        ),
    )


def _minutes(user, words):
    rows = (
        minutes_for_user(user)
        .filter(matching(words, "summary", "meeting__title"))
        .order_by("-meeting__starts_at", "-pk")
    )
    return _group(
        "minutes",
        "会议纪要",
        rows,
        lambda m: Hit(
            highlight(f"{m.meeting.title}纪要", words),
            m.get_absolute_url(),
            snippet([m.summary], words),
            _local(m.meeting.starts_at),
            m.number_label or m.get_status_display(),
        ),
    )


def _decisions(user, words):
    rows = (
        Decision.objects.filter(minutes__in=minutes_for_user(user).values("pk"))
        .filter(matching(words, "text"))
        .select_related("minutes__meeting", "lead_unit")
        .order_by("-minutes__meeting__starts_at", "order", "pk")
    )
    return _group(
        "decisions",
        "议定事项",
        rows,
        lambda d: Hit(
            highlight(f"{d.minutes.meeting.title}纪要 第{d.order}项", words),
            f"{d.minutes.get_absolute_url()}#decision-{d.pk}",
            snippet([d.text], words),
            _local(d.minutes.meeting.starts_at),
            f"牵头：{d.lead_unit.short_name}",
        ),
    )


def _tasks(user, words):
    rows = (
        tasks_for_user(user)
        .filter(matching(words, "title", "source_label"))
        .select_related("lead_unit")
        .order_by("-created_at", "-pk")
    )
    return _group(
        "tasks",
        "督办事项",
        rows,
        lambda t: Hit(
            highlight(t.title, words),
            t.get_absolute_url(),
            highlight(t.source_label or t.get_source_display(), words),
            _local(t.created_at),
            f"{t.lead_unit.short_name} · {t.get_status_display()}"
            + (f" · 时限 {t.deadline:%Y-%m-%d}" if t.deadline else ""),
        ),
    )


def _feedback(user, words):
    rows = (
        Feedback.objects.filter(task__in=tasks_for_user(user).values("pk"))
        .filter(matching(words, "text"))
        .select_related("task", "unit")
        .order_by("-at", "-pk")
    )
    return _group(
        "feedback",
        "进展反馈",
        rows,
        lambda f: Hit(
            highlight(f.task.title, words),
            f"{f.task.get_absolute_url()}#feedback-{f.pk}",
            snippet([f.text], words),
            f.date,
            f.unit.short_name,
        ),
    )


def _duties(words):
    # The catalogue is the charter's public text: every role reads all of it.
    rows = Duty.objects.filter(matching(words, "text", "subject")).order_by("category", "number")
    return _group(
        "duties",
        "职责清单",
        rows,
        lambda d: Hit(
            highlight(f"{d.get_category_display()} {d.number}. {d.subject}".strip(), words),
            f"{reverse('duties:catalogue')}?{urlencode({'q': words[0]})}#duty-{d.pk}",
            snippet([d.text], words),
        ),
    )
