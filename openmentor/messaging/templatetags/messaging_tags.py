from django import template
from django.utils.safestring import SafeString, mark_safe

from openmentor.messaging.formatting import render_markdown

register = template.Library()


@register.filter
def markdown_safe(text: str) -> SafeString:
    # nh3 has sanitised the HTML, so it is safe to mark as such.
    return mark_safe(render_markdown(text))  # noqa: S308
