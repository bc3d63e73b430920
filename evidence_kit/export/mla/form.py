"""The MLA request form: the FORM.json template the investigator fills, its parsing, and which required
fields are still empty (T-CY(2018)11 and T-CY(2018)10 headings).

A filled form is checked against the template itself: each field the template knows must have the
template's type (text, a number of days, true/false, a list, an object) or be null; dates must be dates.
A wrong field is an error naming it, before anything is exported. Binary, huge or deeply nested files
are refused with one sentence too.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ...errors import InvalidInput

REQUIRED = [
    "request.date",
    "request.reference",
    "requested_authority.name",
    "requested_authority.country",
    "requesting_authority.organisation",
    "requesting_authority.person_in_charge",
    "requesting_authority.address",
    "requesting_authority.phone",
    "requesting_authority.email",
    "requesting_authority.time_zone",
    "legal_basis",
    "offence.name",
    "offence.legal_provisions",
    "summary_of_facts",
    "preservation.why_necessary",
    "preservation.relation_to_offence",
]

TEMPLATE = """// MLA / preservation request form for 'evidence-kit export CASE --mla FORM.json'.
// Lines starting with // are comments. Fill what the tool cannot know; leave "" when unknown:
// every required field left empty is listed in the annexes and on stderr, never silently blank.
// Fields follow the T-CY templates T-CY(2018)11 (Art. 29/30 preservation) and T-CY(2018)10 (Art. 31 MLA).
{
  "request": {
    // REQUIRED: date of the request (YYYY-MM-DD) and your reference number
    "date": "",
    "reference": "",
    // "new" or "extension"; for an extension give the previous request's reference
    "type": "new",
    "previous_reference": "",
    // "urgent" / "very urgent" / "normal", and why (risk of deletion, danger to life)
    "urgency": "urgent",
    "urgency_reason": ""
  },
  // REQUIRED: the authority asked to act (its name and country)
  "requested_authority": {"name": "", "country": "", "address": ""},
  // REQUIRED except office_hours and preferred_channel: who asks, and how to reach them
  "requesting_authority": {
    "organisation": "", "person_in_charge": "", "address": "", "phone": "", "email": "",
    "office_hours": "", "time_zone": "", "preferred_channel": "24/7 network (Art. 35)"
  },
  // who can confirm the request is genuine (if not the person in charge)
  "confirmation_contact": {"name": "", "phone": "", "email": ""},
  // the investigating authority, if different from the requesting one
  "investigating_authority": {"organisation": "", "contact": ""},
  // prosecution or court case numbers and related decisions (MLA only)
  "case_references": {"prosecution": "", "court": "", "related_decisions": ""},
  // earlier preservation or MLA requests in this matter
  "earlier_requests": [{"date": "", "reference": "", "channel": "", "kind": "preservation"}],
  // REQUIRED: legal basis (treaty, article, national law)
  "legal_basis": "Council of Europe Convention on Cybercrime (ETS 185), Articles 29 and 31",
  // REQUIRED: the offence and its legal provisions; maximum penalty helps dual criminality checks
  "offence": {"name": "", "legal_provisions": "", "maximum_penalty": ""},
  // REQUIRED: a brief summary of the facts
  "summary_of_facts": "",
  // REQUIRED: why preservation is necessary and how the data relates to the offence
  "preservation": {"why_necessary": "", "relation_to_offence": "", "period_days": 90},
  // data categories sought: subscriber, traffic, content
  "data_categories": ["subscriber", "traffic", "content"],
  // optional: override the time range (UTC, RFC 3339); default: from the captures
  "time_range": {"from": "", "to": ""},
  // ask the provider not to notify the account holder (and why)
  "confidentiality": {"do_not_notify": true, "reason": "disclosure would prejudice the investigation"}
}
"""


def form_template() -> str:
    return TEMPLATE


MAX_FORM_BYTES = 1 << 20  # a filled form is a few kilobytes
MAX_DEPTH = 16  # the template nests three levels
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2}))?$")
CHOICES = {
    "request.type": ("new", "extension"),
    "data_categories[]": ("subscriber", "traffic", "content"),
}


def _strip_comments(text: str) -> str:
    return "\n".join("" if line.lstrip().startswith("//") else line for line in text.splitlines())


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (without recursion: a hostile form must not exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _check(value: Any, template: Any, where: str, problems: list[str]) -> None:
    """Compare a filled value with the template's value of the same field; null means "left empty"."""
    if value is None:
        return
    if isinstance(template, dict):
        if not isinstance(value, dict):
            problems.append(f"{where} must be an object, not {_kind(value)}")
            return
        for key, child in template.items():
            if key in value:
                _check(value[key], child, f"{where}.{key}" if where else key, problems)
        return
    if isinstance(template, list):
        if not isinstance(value, list):
            problems.append(f"{where} must be a list, not {_kind(value)}")
            return
        for number, item in enumerate(value):
            _check(item, template[0], f"{where}[{number}]", problems)
            allowed = CHOICES.get(f"{where}[]")
            if allowed and isinstance(item, str) and item not in allowed:
                problems.append(f"{where}[{number}] must be one of {', '.join(allowed)}, not {item!r}")
        return
    if isinstance(template, bool):
        if not isinstance(value, bool):
            problems.append(f"{where} must be true or false, not {_kind(value)}")
    elif isinstance(template, int):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 36500:
            shown = value if isinstance(value, int) and not isinstance(value, bool) else _kind(value)
            problems.append(f"{where} must be a whole number of days from 1 to 36500, not {shown}")
    elif not isinstance(value, str):
        problems.append(f"{where} must be text, not {_kind(value)}")
    elif value and where in CHOICES and value not in CHOICES[where]:
        problems.append(f"{where} must be one of {', '.join(CHOICES[where])}, not {value[:40]!r}")
    elif value and where == "request.date" and not _is_date(value):
        problems.append(f"{where} must be a date as YYYY-MM-DD, not {value[:40]!r}")
    elif value and where.startswith("time_range.") and not _is_moment(value):
        problems.append(f"{where} must be a UTC time as RFC 3339 (2026-03-01T09:00:00Z), not {value[:40]!r}")


def _is_date(value: str) -> bool:
    try:
        return bool(DATE.match(value)) and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _is_moment(value: str) -> bool:
    try:
        return bool(MOMENT.match(value)) and bool(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return False


def check_form(data: dict[str, Any], name: str = "FORM.json") -> None:
    """Refuse a form whose fields have the wrong type, naming every such field (fields the template does
    not know are kept as they are)."""
    problems: list[str] = []
    _check(data, _TEMPLATE_FORM, "", problems)
    if problems:
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidInput(f"{name}: " + "; ".join(problems[:5]) + more)


def _parse_json(text: str, name: str) -> dict[str, Any]:
    try:
        data = json.loads(_strip_comments(text))
    except RecursionError:
        raise InvalidInput(f"{name} nests too deeply to be an MLA form") from None
    except ValueError as exc:
        raise InvalidInput(f"{name} is not valid JSON (comments must be whole lines starting with //): {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{name} must hold one JSON object")
    if _depth(data) > MAX_DEPTH:
        raise InvalidInput(f"{name} nests more than {MAX_DEPTH} levels deep: not an MLA form")
    return data


# The filled form is checked against the template's own values: "" means text, 90 a number of days.
_TEMPLATE_FORM = _parse_json(TEMPLATE, "the template")


def parse_form(text: str, name: str = "FORM.json") -> dict[str, Any]:
    """The form as a dict; :class:`InvalidInput` for bad JSON or a field of the wrong type (named)."""
    data = _parse_json(text, name)
    check_form(data, name)
    return data


def load_form(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InvalidInput(f"no MLA form at {path} (make one with 'evidence-kit mla-form > FORM.json')")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FORM_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"cannot read the MLA form {path}: {exc.strerror}") from None
    if len(raw) > MAX_FORM_BYTES:
        raise InvalidInput(f"{path.name} is larger than {MAX_FORM_BYTES:,} bytes: not an MLA form")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text (byte {exc.start}): save the form as UTF-8") from None
    return parse_form(text, path.name)


def form_value(form: dict[str, Any], dotted: str) -> Any:
    value: Any = form
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def missing_fields(form: dict[str, Any]) -> list[str]:
    missing = [name for name in REQUIRED if form_value(form, name) in (None, "", [], {})]
    if form_value(form, "request.type") == "extension" and not form_value(form, "request.previous_reference"):
        missing.append("request.previous_reference")
    return missing
