"""The HTML the bundle holds (the report, the MLA annexes) comes from Jinja2 templates in
``evidence_kit/templates/``, rendered with autoescape: every value taken from a case (titles, URLs, page
text, form fields) is escaped, and a missing value prints as nothing."""

from __future__ import annotations

import functools
from typing import Any

import jinja2


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("evidence_kit", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt name in a template fails, never prints blank
        finalize=lambda value: "" if value is None else value,
    )


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)
