"""``{% form_token %}``: the one-time token of members/idempotency.py, for a form that is not
rendered whole by crispy (a plain button, fields placed one by one). Registered as a builtin."""

from django import template

from members.idempotency import token_input

register = template.Library()


@register.simple_tag
def form_token():
    return token_input()
