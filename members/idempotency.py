"""One-time form tokens: a form submitted twice does its work once.

A double click, a reload that re-POSTs, a retry on a slow county link or five tabs sending the
same form at once: the first submission runs the view; every other submission of the same form
(the same token) gets no second row and is sent, with a message, to what the first one produced.

Applying it to a view that creates something (reports, issue 13, do it like this)::

    from members.idempotency import TokenFormMixin, once

    class ReportForm(TokenFormMixin, forms.Form):   # the form renders the hidden token itself
        ...

    @role_required(Role.LIAISON)
    @require_POST
    @once                                           # innermost: right above the function
    def report_create(request, pk):
        ...                                         # unchanged: validate, call the service,
                                                    # messages.success + redirect(result)

- A form the template renders whole (``{{ form|crispy }}``) carries the token by itself. A form
  rendered field by field, or a plain button with no Django form, puts ``{% form_token %}`` next
  to ``{% csrf_token %}`` (a builtin tag, like csrf_token: no ``{% load %}``).
- The view is not changed. A redirect is the success the token is spent on, and its Location is
  remembered as the result; a refusal is either a re-rendered form (200) or the house's
  ``messages.error(...)`` + redirect — in both the token stays unspent, so the user can correct
  the form and send it again.
- Which views: those that create rows (a form that adds, uploads or drafts). A state change
  (approve, issue, 签收…) is already safe twice over: its service refuses the second call
  because the state moved; ``@once`` on it only turns that refusal into the first result.
  A plain edit form does not take it: a page brought back and changed, then sent with its old
  token, would be answered with the first result and the change dropped. The edits that do
  (议题 with new materials, the minutes draft) either create rows or carry a version that would
  refuse the stale page anyway.
- Tests: ``tests/members/test_idempotency.py`` shows how to race five real POSTs of one form
  against a live server (``post_in_parallel``); the meta-test there checks that every form on the
  main pages that posts to a ``@once`` view carries a token.

How the race is decided: by the database, not by Python. The view runs inside one transaction
that first INSERTs (user, token) into ``IdempotencyKey``, whose unique constraint makes a second
INSERT of the same pair wait for the first transaction (PostgreSQL's unique index; SQLite's
single writer) and then fail if it committed. The loser reads the winner's committed result URL
and redirects there. If the winner was refused, it deleted its key before committing, so the
waiting submission simply goes ahead. An exception rolls the key back with everything else.

A POST without a token (a script, not one of our forms) runs unprotected: a client that wants two
rows can always send two fresh tokens, so requiring one would stop nobody, and it would break
every caller that is not a rendered form. Keys older than ``KEEP`` are removed by
``manage.py prune_form_tokens`` (a form left open longer than that is a new submission).

Chosen after reading pretix's API ``IdempotencyMiddleware`` (``src/pretix/api/middleware.py``):
it commits a "locked" key before the view runs and answers a concurrent duplicate with 409. For a
person at a browser a 409 page is an error, so here the key lives in the view's own transaction:
the duplicate waits and then sees the first result. Django has no such feature (POST → redirect
→ GET only stops the reload case); a token kept in the session would race between tabs, and
header-based packages (django-idempotency-key) serve JSON APIs, not rendered forms.
"""

import functools
import uuid
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from .models import IdempotencyKey

FIELD = "form_token"
KEEP = timedelta(days=30)
REPLAYED = "这份表单已经提交过，没有重复登记；以下是第一次提交的结果。"


def new_token() -> str:
    return uuid.uuid4().hex


def token_input() -> str:
    """The hidden input a form carries: a fresh token each time the page is rendered."""
    # No id: several forms on one page (the task page has four) must not share one.
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())


class TokenInput(forms.HiddenInput):
    """The hidden token; a bound form posted without one renders a fresh one."""

    def format_value(self, value):
        return value or new_token()


class TokenFormMixin:
    """Adds the hidden one-time token to a Django form, so ``{{ form|crispy }}`` renders it.

    The field is never required and never reaches ``cleaned_data`` (views pass
    ``**form.cleaned_data`` to services): ``once`` reads the token from ``request.POST`` itself.
    A re-rendered invalid form keeps the token it was posted with, which was not spent.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[FIELD] = forms.CharField(
            required=False,
            initial=new_token,
            # No id: several forms on one page (the task page has four) must not share one.
            widget=TokenInput(attrs={"id": False}),
        )

    def full_clean(self):
        super().full_clean()
        if hasattr(self, "cleaned_data"):
            self.cleaned_data.pop(FIELD, None)


def posted_token(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def _error_count(request) -> int:
    """Error messages queued in this request so far: the house way a view says "refused"."""
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", ())
    return sum(1 for m in queued if m.level >= messages.ERROR)


def _is_success(response) -> bool:
    return response.status_code in (301, 302, 303) and bool(response.get("Location"))


def _replay(request, key: IdempotencyKey | None):
    messages.info(request, REPLAYED)
    url = key.result_url if key else ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        url = "/"
    return redirect(url or "/")


def once(view):
    """Run ``view`` at most once per (user, form token); see the module docstring."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = posted_token(request) if request.method == "POST" else None
        if token is None or not request.user.is_authenticated or hasattr(request, "_once"):
            return view(request, *args, **kwargs)  # (or an inner view called by an outer one)
        request._once = token
        with transaction.atomic():
            try:
                with transaction.atomic():
                    key = IdempotencyKey.objects.create(
                        user=request.user, token=token, path=request.path[:300]
                    )
            except IntegrityError:
                # The unique constraint decided: another submission of this form committed.
                spent = IdempotencyKey.objects.filter(user=request.user, token=token).first()
                return _replay(request, spent)
            errors_before = _error_count(request)
            response = view(request, *args, **kwargs)
            if _is_success(response) and _error_count(request) == errors_before:
                key.result_url = response["Location"][:300]
                key.save(update_fields=["result_url"])
            else:
                key.delete()  # refused: the same form may be corrected and sent again
            return response

    wrapper.once = True
    return wrapper


def is_once(view) -> bool:
    """Whether a resolved view function (under any outer decorators) is protected by ``once``."""
    return getattr(view, "once", False)


def prune(*, older_than: timedelta = KEEP) -> int:
    deleted, _ = IdempotencyKey.objects.filter(created__lt=timezone.now() - older_than).delete()
    return deleted
