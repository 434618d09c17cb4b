from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter(needs_autoescape=True)
def highlight(text, query, autoescape=True):
    """Wrap each occurrence of `query` in <mark>, escaping everything else."""
    esc = conditional_escape if autoescape else (lambda s: s)
    text = str(text)
    if not query:
        return esc(text)
    parts = text.split(query)
    marked = f"<mark>{esc(query)}</mark>"
    return mark_safe(marked.join(str(esc(p)) for p in parts))
