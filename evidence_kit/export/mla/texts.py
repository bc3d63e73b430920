"""The annexes' fixed wording, by id, in English: the source language.

Every other language is a translation file (``export/translations/<lang>.json``, see
:mod:`evidence_kit.export.translate`) keyed by these English sentences, the same file the report uses.
"""

from __future__ import annotations

from ..translate import Translator, languages

ENGLISH: dict[str, str] = {
    "art29": "Request for expedited preservation of stored computer data",
    "art29_basis": "Council of Europe Convention on Cybercrime (ETS 185), Article 29 (and "
    "Article 30 for traffic "
    "data identifying other providers)",
    "art31": "Request for mutual assistance regarding accessing of stored computer data",
    "art31_basis": "Convention on Cybercrime (ETS 185), Article 31 — search, seizure and "
    "disclosure of the data "
    "preserved under Article 29",
    "cets224": "Request for subscriber information and traffic data",
    "cets224_basis": "Second Additional Protocol (CETS 224), Article 7 (disclosure of subscriber "
    "information by "
    "a service provider) and Article 8 (giving effect to orders for subscriber information and "
    "traffic data)",
    "header": "Request",
    "date": "Date",
    "reference": "Reference number",
    "type": "New request or extension",
    "previous": "Previous reference",
    "urgency": "Urgency",
    "requested": "Requested authority",
    "requesting": "Requesting authority",
    "organisation": "Organisation",
    "person": "Person in charge",
    "address": "Address",
    "phone": "Telephone",
    "email": "E-mail",
    "hours": "Office hours",
    "tz": "Time zone",
    "channel": "Preferred channel",
    "confirm": "Contact to confirm the request",
    "investigating": "Investigating authority",
    "refs": "Case references",
    "prosecution": "Prosecution case",
    "court": "Court case",
    "decisions": "Related decisions",
    "earlier": "Earlier requests in this matter",
    "legal": "Legal basis",
    "offence": "Offence",
    "provisions": "Legal provisions",
    "penalty": "Maximum penalty",
    "facts": "Summary of the facts",
    "provider": "Service provider (custodian of the data)",
    "jurisdiction": "Where the data is held",
    "hosts": "Domains",
    "accounts": "Accounts and identifiers",
    "kind": "Kind",
    "value": "Value",
    "categories": "Data categories sought",
    "range": "Time range (UTC)",
    "why": "Why preservation is necessary",
    "relation": "How the data relates to the offence",
    "period": "Preservation period",
    "period_text": "at least 60 days (Article 29(7)); {days} days are requested, renewable",
    "follow": "A request for mutual assistance for the search, seizure or disclosure of the data "
    "will follow "
    "(Article 29(2)(f)).",
    "confidential": "Confidentiality",
    "notify_no": "Please do not notify the account holder: {reason}",
    "notify_yes": "No confidentiality request.",
    "exhibits": "Evidence already secured (exhibits)",
    "exhibit": "Exhibit",
    "url": "URL",
    "captured": "Captured (UTC)",
    "original_name": "File handed over",
    "handed_over": "Recorded (UTC)",
    "handed_over_by": "Handed over by",
    "collector": "Collected by",
    "access": "Accessed with (legal basis as recorded)",
    "tool": "Tool",
    "files": "Files",
    "stamp": "Trusted timestamp (RFC 3161)",
    "none": "none yet",
    "custody": "Chain of custody",
    "custody_text": "{events} signed custody events, ledger head {head}; the evidence bundle, "
    "its manifests "
    "and report accompany this request.",
    "missing": "MISSING REQUIRED INFORMATION — complete before sending",
    "measures": "Measures requested",
    "measures31": "Search or similar access, seizure or similar securing, and disclosure of the "
    "stored data "
    "listed above, including the data preserved under Article 29.",
    "measures224": "Disclosure of the subscriber information (Article 7) and giving effect to "
    "the order for "
    "subscriber information and traffic data (Article 8) for the accounts listed above.",
    "subscriber": "subscriber information",
    "traffic": "traffic data",
    "content": "content data",
    "vanish": "Online content and logs may be deleted by the account holder or expire under the "
    "provider's retention policy at any time.",
    "page": "page",
    "missing_cell": "[MISSING — required]",
    "URL": "URL",
    "URL as requested": "URL as requested",
    "handle": "handle",
    "numeric id": "numeric id",
    "display name": "display name",
    "phone number": "phone number",
    "URL linked from the page": "URL linked from the page",
    "selectors": "Other identifiers seen in these exhibits (phone numbers, e-mail addresses, handles)",
}


def phrases(tr: Translator) -> dict[str, str]:
    """Every fixed wording of the annexes, by id, in the translator's language."""
    return {key: tr.text(english) for key, english in ENGLISH.items()}


# By language, for readers of this module; the annexes ask :func:`phrases` with their own translator.
TEXT: dict[str, dict[str, str]] = {lang: phrases(Translator(lang)) for lang in languages()}
