"""One neutral document model per provider and request kind (Art. 29, Art. 31, CETS 224 Art. 7/8),
built from the captures and the form; rendered to DOCX and HTML by :mod:`.render`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import InvalidInput
from ..contents import Contents
from ..report import timestamps_of
from ..translate import Translator, languages
from .form import form_value, missing_fields
from .providers import Provider, providers_of
from .texts import phrases

Block = tuple[str, Any]  # ("h1"|"h2"|"p"|"warn"|"table"|"list", content)

KINDS = ("art29", "art31", "cets224")


@dataclass(frozen=True)
class Annex:
    provider: Provider
    kind: str  # "art29", "art31", "cets224"
    lang: str
    blocks: list[Block]

    @property
    def stem(self) -> str:
        return f"{self.provider.slug}-{self.kind}-{self.lang}"

    @property
    def title(self) -> str:
        return str(self.blocks[0][1])


def _time_range(provider: Provider, form: dict[str, Any], tr: Translator) -> str:
    given_from, given_to = form_value(form, "time_range.from"), form_value(form, "time_range.to")
    starts = [str((e.record or {}).get("started") or e.event.time) for e in provider.exhibits]
    ends = [str((e.record or {}).get("finished") or e.event.time) for e in provider.exhibits]
    return f"{tr.datetime(given_from or min(starts))} — {tr.datetime(given_to or max(ends))}"


def _provider_name(provider: Provider, tr: Translator) -> str:
    """A known provider's company name as it is; the operator of a site the tool could not name, translated."""
    prefix = "operator of "
    if provider.name.startswith(prefix):
        return tr.text("operator of {host}", host=provider.name.removeprefix(prefix))
    return provider.name


def _selectors_of(contents: Contents, provider: Provider) -> list[tuple[str, str, str]]:
    """Phones, e-mails, handles and wallets the metadata stage found in this provider's exhibits."""
    found: dict[tuple[str, str], list[str]] = {}
    for exhibit in provider.exhibits:
        for artefact in exhibit.artefacts:
            description = contents.description(artefact.blake3) or {}
            for item in description.get("selectors", []):
                # Domains repeat what the URLs already say.
                if isinstance(item, dict) and item.get("kind") not in (None, "", "domain") and item.get("value"):
                    numbers = found.setdefault((str(item["kind"]), str(item["value"])), [])
                    if exhibit.number not in numbers:
                        numbers.append(exhibit.number)
    return [(kind, value, ", ".join(numbers)) for (kind, value), numbers in sorted(found.items())]


def build_annex(
    contents: Contents,
    provider: Provider,
    kind: str,
    form: dict[str, Any],
    lang: str,
    missing: list[str],
    tr: Translator | None = None,
) -> Annex:
    tr = tr if tr is not None else Translator(lang)
    t = phrases(tr)

    def g(name: str) -> str:
        value = form_value(form, name)
        if value in (None, "", [], {}):
            return t["missing_cell"] if name in missing else ""
        # A form value is the investigator's words; only the form's own choices ("new", "urgent", the default
        # channel, a country) are translated, and dates written as the language writes them.
        return str(tr.date(value) if name == "request.date" else tr.phrase(value))

    blocks: list[Block] = [("h1", t[kind]), ("p", t[f"{kind}_basis"])]
    if missing:
        blocks.append(("warn", (t["missing"], list(missing))))
    blocks.append(
        (
            "table",
            [
                (t["date"], g("request.date")),
                (t["reference"], g("request.reference")),
                (t["type"], g("request.type")),
                (t["previous"], g("request.previous_reference")),
                (
                    t["urgency"],
                    " — ".join(x for x in (g("request.urgency"), g("request.urgency_reason")) if x),
                ),
                (
                    t["requested"],
                    ", ".join(
                        x
                        for x in (
                            g("requested_authority.name"),
                            g("requested_authority.address"),
                            g("requested_authority.country"),
                        )
                        if x
                    ),
                ),
            ],
        )
    )
    blocks.append(("h2", t["requesting"]))
    blocks.append(
        (
            "table",
            [
                (t[label], g(f"requesting_authority.{name}"))
                for label, name in (
                    ("organisation", "organisation"),
                    ("person", "person_in_charge"),
                    ("address", "address"),
                    ("phone", "phone"),
                    ("email", "email"),
                    ("hours", "office_hours"),
                    ("tz", "time_zone"),
                    ("channel", "preferred_channel"),
                )
            ]
            + [
                (
                    t["confirm"],
                    ", ".join(
                        x
                        for x in (
                            g("confirmation_contact.name"),
                            g("confirmation_contact.phone"),
                            g("confirmation_contact.email"),
                        )
                        if x
                    ),
                ),
                (
                    t["investigating"],
                    ", ".join(
                        x
                        for x in (
                            g("investigating_authority.organisation"),
                            g("investigating_authority.contact"),
                        )
                        if x
                    ),
                ),
            ],
        )
    )
    if kind != "art29":
        blocks.append(("h2", t["refs"]))
        blocks.append(
            (
                "table",
                [
                    (t["prosecution"], g("case_references.prosecution")),
                    (t["court"], g("case_references.court")),
                    (t["decisions"], g("case_references.related_decisions")),
                ],
            )
        )
        earlier = [r for r in form.get("earlier_requests") or [] if isinstance(r, dict) and any(r.values())]
        if earlier:
            blocks.append(("h2", t["earlier"]))
            blocks.append(
                ("list", [", ".join(f"{tr.text(k)}: {tr.date(v)}" for k, v in r.items() if v) for r in earlier])
            )
    blocks.append(("h2", t["legal"]))
    blocks.append(("p", g("legal_basis")))
    blocks.append(("h2", t["offence"]))
    blocks.append(
        (
            "table",
            [
                (t["offence"], g("offence.name")),
                (t["provisions"], g("offence.legal_provisions")),
                (t["penalty"], g("offence.maximum_penalty")),
            ],
        )
    )
    blocks.append(("h2", t["facts"]))
    blocks.append(("p", g("summary_of_facts")))
    blocks.append(("h2", t["provider"]))
    blocks.append(
        (
            "table",
            [
                (t["provider"], _provider_name(provider, tr)),
                (t["jurisdiction"], tr.text(provider.jurisdiction)),  # a country, or "to be established …"
                (t["hosts"], ", ".join(provider.hosts)),
            ],
        )
    )
    blocks.append(("h2", t["accounts"]))
    rows = [(t["kind"], t["value"], t["exhibit"])]
    for account in provider.accounts.values():
        numbers = ", ".join(e.number for e in account.exhibits)
        rows += [(t[kind_] if kind_ in t else tr.text(kind_), value, numbers) for kind_, value in account.identifiers]
    blocks.append(("grid", rows))
    seen = [(tr.text(kind_), value, numbers) for kind_, value, numbers in _selectors_of(contents, provider)]
    if seen:
        blocks.append(("h3", t["selectors"]))
        blocks.append(("grid", [(t["kind"], t["value"], t["exhibit"])] + seen))
    categories = form.get("data_categories") or ["subscriber", "traffic", "content"]
    if kind == "cets224":
        categories = [c for c in categories if c in ("subscriber", "traffic")] or ["subscriber", "traffic"]
    blocks.append(
        (
            "table",
            [
                (t["categories"], ", ".join(t[c] if c in t else tr.text(c) for c in categories)),
                (t["range"], _time_range(provider, form, tr)),
            ],
        )
    )
    if kind == "art29":
        blocks.append(
            (
                "table",
                [
                    (t["why"], " ".join(x for x in (g("preservation.why_necessary"), t["vanish"]) if x)),
                    (t["relation"], g("preservation.relation_to_offence")),
                    (t["period"], t["period_text"].format(days=form_value(form, "preservation.period_days") or 90)),
                ],
            )
        )
        blocks.append(("p", t["follow"]))
    else:
        blocks.append(("h2", t["measures"]))
        blocks.append(("p", t["measures31" if kind == "art31" else "measures224"]))
        blocks.append(("table", [(t["relation"], g("preservation.relation_to_offence"))]))
    notify = form_value(form, "confidentiality.do_not_notify")
    blocks.append(("h2", t["confidential"]))
    blocks.append(
        (
            "p",
            t["notify_no"].format(reason=g("confidentiality.reason") or "-")
            if notify is not False
            else t["notify_yes"],
        )
    )
    blocks.append(("h2", t["exhibits"]))
    stamps = timestamps_of(contents)
    for exhibit in provider.exhibits:
        record = exhibit.record or {}
        investigator = record.get("investigator") or {}
        covering = [s for s in stamps if {a.blake3 for a in exhibit.artefacts} & s["covered"]]
        blocks.append(("h3", f"{t['exhibit']} {exhibit.number}"))
        stamp_text = (
            "; ".join(
                tr.text(
                    "{tsa} serial {serial} genTime {time} policy {policy}",
                    tsa=s["tsa"],
                    serial=s["serial"],
                    time=tr.datetime(s["gen_time"]),
                    policy=s["policy"],
                )
                for s in covering
            )
            or t["none"]
        )
        exhibit_rows: list[tuple[str, Any]]
        if exhibit.kind == "file":  # handed over, not captured: who gave it, and when it was recorded
            details = exhibit.event.details
            exhibit_rows = [
                (t["original_name"], str(details.get("original_name") or "")),
                (t["handed_over"], tr.datetime(exhibit.event.time)),
                (t["handed_over_by"], str(details.get("source") or "")),
                (t["collector"], exhibit.event.actor),
                (t["stamp"], stamp_text),
            ]
        else:
            exhibit_rows = [
                (t["url"], record.get("final_url") or record.get("url")),
                (
                    t["captured"],
                    f"{tr.datetime(record.get('started'))} — {tr.datetime(record.get('finished'))}",
                ),
                (t["collector"], investigator.get("name") or exhibit.event.actor),
                *([(t["access"], record.get("legal_basis"))] if record.get("persona") else []),
                (
                    t["tool"],
                    f"{(record.get('environment') or {}).get('tool')}; "
                    f"{(record.get('environment') or {}).get('browser')}",
                ),
                (t["stamp"], stamp_text),
            ]
        blocks.append(("table", exhibit_rows))
        blocks.append(
            (
                "grid",
                [(t["files"], tr.text("bytes"), "MIME", "SHA-256", "BLAKE3")]
                + [
                    (
                        a.path.rsplit("/", 1)[-1],
                        tr.number(a.size),
                        a.mime or "",
                        a.sha256.split(":", 1)[1],
                        a.blake3.split(":", 1)[1],
                    )
                    for a in exhibit.artefacts
                    if a.role not in ("metadata",)
                ],
            )
        )
    blocks.append(("h2", t["custody"]))
    blocks.append(("p", t["custody_text"].format(events=tr.number(len(contents.events)), head=str(contents.head))))
    return Annex(provider, kind, lang, blocks)


@dataclass(frozen=True)
class AnnexSet:
    providers: list[Provider]
    annexes: list[Annex]
    missing: list[str]
    untranslated: frozenset[str] = frozenset()  # English sentences the language's file lacks (printed in English)

    def identifiers(self) -> list[str]:
        return [value for p in self.providers for a in p.accounts.values() for _, value in a.identifiers]


def build_annexes(contents: Contents, form: dict[str, Any], lang: str = "en") -> AnnexSet:
    if lang not in languages():
        raise InvalidInput(f"--lang must be one of {', '.join(languages())}, not {lang!r}")
    tr = Translator(lang)
    missing = missing_fields(form)
    providers = providers_of(contents)
    annexes = [build_annex(contents, p, kind, form, lang, missing, tr) for p in providers for kind in KINDS]
    return AnnexSet(providers, annexes, missing, frozenset(tr.missing))
