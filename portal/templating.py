"""The Jinja2 environment of the portal's question markup, with the few Django helpers it uses.

A section's page renders every question of the section, and the autosave renders one: the Django
template language spent most of those requests resolving variables, which Jinja2 compiles to
plain Python. The rest of the portal stays in Django templates; a question's markup includes the
Django partials it shares with the reviewer's screens through `django_include`.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import quote

from django.template import defaultfilters
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.urls.resolvers import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from jinja2 import Environment

_MARK = "\uffff{}\uffff"  # stands for an argument; never in a token, a key or a route
_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted in an argument


@functools.lru_cache(maxsize=128)
def _route(name: str, count: int, prefix: str) -> tuple[str, ...] | None:
    """The URL `name` reverses to, split around its `count` arguments; None if they are not plain
    strings (a UUID converter, say), which then go through reverse() every time."""
    try:
        url = reverse(name, args=[_MARK.format(i) for i in range(count)])
    except NoReverseMatch:
        return None
    parts = []
    for i in range(count):
        marker = quote(_MARK.format(i), safe=_SAFE)
        if url.count(marker) != 1:
            return None
        before, url = url.split(marker)
        parts.append(before)
    return (*parts, url)


def _url(name: str, *args: Any) -> str:
    """reverse(name, args=args), without matching the URL patterns again for every question of a page."""
    route = _route(name, len(args), get_script_prefix())
    if route is None or not all(isinstance(a, str) and a and "/" not in a for a in args):
        return reverse(name, args=args)
    pieces = [route[0]]
    for arg, after in zip(args, route[1:], strict=True):
        pieces += [quote(arg, safe=_SAFE), after]
    return "".join(pieces)


def _date(value: Any, format_string: str) -> str:
    # As Django's templates do: an aware datetime is shown in the current time zone.
    return defaultfilters.date(template_localtime(value), format_string)


def _default_if_none(value: Any, default: Any) -> Any:
    return default if value is None else value


def _linebreaksbr(value: Any) -> SafeString:
    return defaultfilters.linebreaksbr(value, autoescape=True)


def _django_include(template_name: str, **context: Any) -> SafeString:
    return mark_safe(render_to_string(template_name, context))  # noqa: S308 - rendered by Django, escaped


def environment(**options: Any) -> Environment:
    env = Environment(**options)  # noqa: S701 - Django's backend passes autoescape=True
    env.globals.update(url=_url, django_include=_django_include)
    env.filters.update(
        date=_date,
        default_if_none=_default_if_none,
        linebreaksbr=_linebreaksbr,
        filesizeformat=defaultfilters.filesizeformat,
    )
    return env
