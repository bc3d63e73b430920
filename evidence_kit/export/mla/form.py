"""The MLA request form: the FORM.json template the investigator fills, its parsing, and which required
fields are still empty (T-CY(2018)11 and T-CY(2018)10 headings)."""

from __future__ import annotations

import json
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


def _strip_comments(text: str) -> str:
    return "\n".join("" if line.lstrip().startswith("//") else line for line in text.splitlines())


def parse_form(text: str, name: str = "FORM.json") -> dict[str, Any]:
    try:
        data = json.loads(_strip_comments(text))
    except ValueError as exc:
        raise InvalidInput(
            f"{name} is not valid JSON (comments must be whole lines starting with //): {exc}"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{name} must hold one JSON object")
    return data


def load_form(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InvalidInput(f"no MLA form at {path} (make one with 'evidence-kit mla-form > FORM.json')")
    return parse_form(path.read_text("utf-8"), path.name)



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

