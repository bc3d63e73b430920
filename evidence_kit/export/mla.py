"""MLA and preservation annexes (Budapest Convention, ETS 185, and its Second Protocol, CETS 224).

For every service provider and account found in the exported captures: an Art. 29 expedited
preservation request, an Art. 31 MLA request annex, and the CETS 224 Art. 7/8 variant for subscriber and
traffic data, following the headings of the T-CY templates (T-CY(2018)11 and T-CY(2018)10). What the tool
cannot know (authorities, contacts, references, legal basis, facts) comes from a FORM.json the
investigator fills (``evidence-kit mla-form``); every required field left empty is listed in the annex
itself, on stderr and in ``--json``, never silently blank. Each annex is written as DOCX (editable,
python-docx) and PDF (printed through the same Chromium as the report), in English or French.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import InvalidInput
from .contents import Contents, Exhibit
from .report import _e, print_pdfs, timestamps_of

FOLDER = "data/mla"

# Where a platform's data is held and who answers for it (public law-enforcement guidelines).
PROVIDERS: dict[str, tuple[str, str]] = {
    "facebook.com": ("Meta Platforms Ireland Limited", "Ireland"),
    "instagram.com": ("Meta Platforms Ireland Limited", "Ireland"),
    "whatsapp.com": ("WhatsApp Ireland Limited", "Ireland"),
    "x.com": ("Twitter International Unlimited Company (X)", "Ireland"),
    "twitter.com": ("Twitter International Unlimited Company (X)", "Ireland"),
    "tiktok.com": ("TikTok Technology Limited", "Ireland"),
    "youtube.com": ("Google LLC", "United States"),
    "google.com": ("Google LLC", "United States"),
    "t.me": ("Telegram FZ-LLC", "United Arab Emirates"),
    "telegram.org": ("Telegram FZ-LLC", "United Arab Emirates"),
    "vk.com": ("VK Company Limited", "Russian Federation"),
    "linkedin.com": ("LinkedIn Ireland Unlimited Company", "Ireland"),
    "reddit.com": ("Reddit, Inc.", "United States"),
    "snapchat.com": ("Snap Inc.", "United States"),
    "olx.bg": ("OLX Bulgaria EOOD", "Bulgaria"),
    "viber.com": ("Viber Media S.à r.l.", "Luxembourg"),
    "signal.org": ("Signal Messenger LLC", "United States"),
}
HANDLE_PLATFORMS = {
    "instagram.com",
    "x.com",
    "twitter.com",
    "tiktok.com",
    "t.me",
    "vk.com",
    "facebook.com",
    "youtube.com",
    "reddit.com",
    "snapchat.com",
    "linkedin.com",
}
NOT_HANDLES = {
    "p",
    "reel",
    "status",
    "watch",
    "share",
    "groups",
    "pages",
    "profile.php",
    "story",
    "stories",
    "explore",
    "hashtag",
    "search",
    "in",
    "company",
    "user",
    "u",
    "r",
    "channel",
    "c",
    "video",
    "s",
}

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


def _get(form: dict[str, Any], dotted: str) -> Any:
    value: Any = form
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def missing_fields(form: dict[str, Any]) -> list[str]:
    missing = [name for name in REQUIRED if _get(form, name) in (None, "", [], {})]
    if _get(form, "request.type") == "extension" and not _get(form, "request.previous_reference"):
        missing.append("request.previous_reference")
    return missing


# -- providers and accounts ---------------------------------------------------------------------------
@dataclass
class Account:
    key: str
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    exhibits: list[Exhibit] = field(default_factory=list)

    def add(self, kind: str, value: str) -> None:
        if value and (kind, value) not in self.identifiers:
            self.identifiers.append((kind, value))


@dataclass
class Provider:
    name: str
    jurisdiction: str
    hosts: list[str] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-").lower()[:60] or "provider"

    @property
    def exhibits(self) -> list[Exhibit]:
        seen: dict[str, Exhibit] = {}
        for account in self.accounts.values():
            for exhibit in account.exhibits:
                seen.setdefault(exhibit.number, exhibit)
        return [seen[k] for k in sorted(seen)]


# Short links and second domains of the same services.
ALIASES = {
    "wa.me": "whatsapp.com",
    "fb.com": "facebook.com",
    "fb.me": "facebook.com",
    "telegram.me": "t.me",
    "instagr.am": "instagram.com",
    "youtu.be": "youtube.com",
    "viber.me": "viber.com",
}
# Selector kinds (evidence_kit.metadata.selectors) that name an account on one platform.
PLATFORM_KINDS = {
    "telegram": "t.me",
    "instagram": "instagram.com",
    "tiktok": "tiktok.com",
    "x": "x.com",
    "facebook": "facebook.com",
    "whatsapp": "whatsapp.com",
    "viber": "viber.com",
    "signal": "signal.org",
}


def _registered(host: str) -> str:
    host = host.lower().split(":")[0]
    for alias, known in ALIASES.items():
        if host == alias or host.endswith("." + alias):
            return known
    for known in PROVIDERS:
        if host == known or host.endswith("." + known):
            return known
    return host


def _account_of(url: str, record: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]]:
    """(provider key, account key, identifiers) for one captured URL."""
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    domain = _registered(parts.hostname or netloc)
    identifiers: list[tuple[str, str]] = [("URL", url)]
    key = url
    segments = [s for s in parts.path.split("/") if s]
    query = parse_qs(parts.query)
    if "id" in query and query["id"][0].isdigit():
        identifiers.append(("numeric id", query["id"][0]))
        key = f"{domain}:id:{query['id'][0]}"
    elif domain in HANDLE_PLATFORMS and segments and segments[0] not in NOT_HANDLES:
        handle = segments[0].lstrip("@")
        identifiers.append(("handle", "@" + handle))
        key = f"{domain}:@{handle.lower()}"
    profile = record.get("profile") if isinstance(record.get("profile"), dict) else {}
    for kind, name in (
        ("handle", "handle"),
        ("numeric id", "id"),
        ("numeric id", "numeric_id"),
        ("display name", "display_name"),
    ):
        value = profile.get(name)
        if value:
            identifiers.append((kind, ("@" + str(value).lstrip("@")) if kind == "handle" else str(value)))
            if kind == "numeric id":
                key = f"{domain}:id:{value}"
    return (domain if domain in PROVIDERS else netloc), key, identifiers


def _linked_accounts(selectors: list[dict[str, Any]]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Accounts at known platforms a captured page names or links to (t.me/…, wa.me/…, "Telegram: @…")."""
    found = []
    for item in selectors:
        kind, value = str(item.get("kind") or ""), str(item.get("value") or "")
        if kind == "url":
            parts = urlsplit(value)
            domain = _registered(parts.hostname or "")
            if domain not in PROVIDERS:
                continue
            digits = parts.path.strip("/")
            if domain == "whatsapp.com" and digits.isdigit():
                found.append(
                    (
                        domain,
                        f"{domain}:+{digits}",
                        [("phone number", "+" + digits), ("URL linked from the page", value)],
                    )
                )
                continue
            _, key, identifiers = _account_of(value, {})
            if len(identifiers) > 1:  # a profile link, not just a page of the platform
                found.append((domain, key, [("URL linked from the page", value), *identifiers[1:]]))
        elif kind in PLATFORM_KINDS and value:
            domain = PLATFORM_KINDS[kind]
            label = "phone number" if value.startswith("+") else "handle"
            found.append((domain, f"{domain}:{value.lower()}", [(label, value)]))
    return found


def providers_of(contents: Contents) -> list[Provider]:
    """Every service provider and account the exported captures show, with the exhibits for each: the
    site captured itself, and the accounts at known platforms the captured pages name or link to."""
    providers: dict[str, Provider] = {}

    def account(provider_key: str, account_key: str) -> Account:
        name, jurisdiction = PROVIDERS.get(
            provider_key,
            (f"operator of {provider_key}", "to be established (domain registration data: CETS 224 Art. 6)"),
        )
        provider = providers.setdefault(provider_key, Provider(name, jurisdiction))
        if provider_key not in provider.hosts:
            provider.hosts.append(provider_key)
        return provider.accounts.setdefault(account_key, Account(account_key))

    for exhibit in contents.exhibits:
        record = exhibit.record
        if not record:
            continue
        url = str(record.get("final_url") or record.get("url"))
        provider_key, account_key, identifiers = _account_of(url, record)
        if record.get("url") and record.get("url") != url:
            identifiers.append(("URL as requested", str(record["url"])))
        captured = account(provider_key, account_key)
        for kind, value in identifiers:
            captured.add(kind, value)
        captured.exhibits.append(exhibit)
        selectors = [
            s
            for a in exhibit.artefacts
            for s in (contents.description(a.blake3) or {}).get("selectors", [])
            if isinstance(s, dict)
        ]
        for linked_provider, linked_key, linked in _linked_accounts(selectors):
            if linked_key == account_key:
                continue
            target = account(linked_provider, linked_key)
            for kind, value in linked:
                target.add(kind, value)
            if exhibit not in target.exhibits:
                target.exhibits.append(exhibit)
    return sorted(providers.values(), key=lambda p: p.name)


# -- the documents: one neutral model, rendered to DOCX and HTML ----------------------------------------
Block = tuple[str, Any]  # ("h1"|"h2"|"p"|"warn"|"table"|"list", content)

TEXT: dict[str, dict[str, str]] = {
    "en": {
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
        "collector": "Collected by",
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
    },
    "fr": {
        "art29": "Demande de conservation rapide de données informatiques stockées",
        "art29_basis": "Convention du Conseil de l'Europe sur la cybercriminalité (STE 185), article 29 (et "
        "article 30 pour les données relatives au trafic identifiant d'autres fournisseurs)",
        "art31": "Demande d'entraide concernant l'accès aux données informatiques stockées",
        "art31_basis": "Convention sur la cybercriminalité (STE 185), article 31 — perquisition, saisie et "
        "divulgation des données conservées en vertu de l'article 29",
        "cets224": "Demande d'informations relatives aux abonnés et de données relatives au trafic",
        "cets224_basis": "Deuxième Protocole additionnel (STCE 224), article 7 (divulgation d'informations "
        "relatives aux abonnés par un fournisseur de services) et article 8 (donner effet aux "
        "injonctions de produire des informations relatives aux abonnés et des données relatives "
        "au trafic)",
        "header": "Demande",
        "date": "Date",
        "reference": "Numéro de référence",
        "type": "Nouvelle demande ou prolongation",
        "previous": "Référence précédente",
        "urgency": "Urgence",
        "requested": "Autorité requise",
        "requesting": "Autorité requérante",
        "organisation": "Organisation",
        "person": "Personne responsable",
        "address": "Adresse",
        "phone": "Téléphone",
        "email": "Courriel",
        "hours": "Heures de bureau",
        "tz": "Fuseau horaire",
        "channel": "Canal préféré",
        "confirm": "Contact pour confirmer la demande",
        "investigating": "Autorité chargée de l'enquête",
        "refs": "Références de l'affaire",
        "prosecution": "Dossier du parquet",
        "court": "Dossier du tribunal",
        "decisions": "Décisions connexes",
        "earlier": "Demandes antérieures dans cette affaire",
        "legal": "Base juridique",
        "offence": "Infraction",
        "provisions": "Dispositions légales",
        "penalty": "Peine maximale",
        "facts": "Résumé des faits",
        "provider": "Fournisseur de services (détenteur des données)",
        "jurisdiction": "Lieu de détention des données",
        "hosts": "Domaines",
        "accounts": "Comptes et identifiants",
        "kind": "Type",
        "value": "Valeur",
        "categories": "Catégories de données demandées",
        "range": "Période (UTC)",
        "why": "Pourquoi la conservation est nécessaire",
        "relation": "Lien entre les données et l'infraction",
        "period": "Durée de conservation",
        "period_text": "au moins 60 jours (article 29(7)) ; {days} jours sont demandés, renouvelables",
        "follow": "Une demande d'entraide en vue de la perquisition, de la saisie ou de la "
        "divulgation des données "
        "suivra (article 29(2)(f)).",
        "confidential": "Confidentialité",
        "notify_no": "Merci de ne pas informer le titulaire du compte : {reason}",
        "notify_yes": "Pas de demande de confidentialité.",
        "exhibits": "Preuves déjà sécurisées (pièces)",
        "exhibit": "Pièce",
        "url": "URL",
        "captured": "Capturé (UTC)",
        "collector": "Collecté par",
        "tool": "Outil",
        "files": "Fichiers",
        "stamp": "Horodatage qualifié (RFC 3161)",
        "none": "pas encore",
        "custody": "Chaîne de possession",
        "custody_text": "{events} événements de possession signés, tête du registre {head} ; le "
        "paquet de preuves, "
        "ses manifestes et son rapport accompagnent la présente demande.",
        "missing": "INFORMATIONS OBLIGATOIRES MANQUANTES — à compléter avant l'envoi",
        "measures": "Mesures demandées",
        "measures31": "Perquisition ou accès similaire, saisie ou obtention similaire, et "
        "divulgation des données "
        "stockées énumérées ci-dessus, y compris les données conservées en vertu de l'article 29.",
        "measures224": "Divulgation des informations relatives aux abonnés (article 7) et exécution "
        "de l'injonction "
        "portant sur les informations relatives aux abonnés et les données relatives au trafic "
        "(article 8) pour les comptes énumérés ci-dessus.",
        "subscriber": "informations relatives aux abonnés",
        "traffic": "données relatives au trafic",
        "content": "données de contenu",
        "vanish": "Les contenus en ligne et les journaux peuvent être supprimés à tout moment par le "
        "titulaire du compte ou expirer selon la politique de conservation du fournisseur.",
        "page": "page",
        "missing_cell": "[MANQUANT — obligatoire]",
        "URL": "URL",
        "URL as requested": "URL demandée",
        "handle": "pseudonyme",
        "numeric id": "identifiant numérique",
        "display name": "nom affiché",
        "phone number": "numéro de téléphone",
        "URL linked from the page": "URL citée dans la page",
        "selectors": "Autres identifiants relevés dans ces pièces (téléphones, courriels, pseudonymes)",
    },
}

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


def _time_range(provider: Provider, form: dict[str, Any]) -> str:
    given_from, given_to = _get(form, "time_range.from"), _get(form, "time_range.to")
    starts = [str((e.record or {}).get("started") or e.event.time) for e in provider.exhibits]
    ends = [str((e.record or {}).get("finished") or e.event.time) for e in provider.exhibits]
    return f"{given_from or min(starts)} — {given_to or max(ends)}"


def _selectors_of(contents: Contents, provider: Provider) -> list[tuple[str, str, str]]:
    """Phones, e-mails, handles and wallets the metadata stage found in this provider's exhibits."""
    found: dict[tuple[str, str], list[str]] = {}
    for exhibit in provider.exhibits:
        for artefact in exhibit.artefacts:
            description = contents.description(artefact.blake3) or {}
            for item in description.get("selectors", []):
                # Domains repeat what the URLs already say.
                if (
                    isinstance(item, dict)
                    and item.get("kind") not in (None, "", "domain")
                    and item.get("value")
                ):
                    numbers = found.setdefault((str(item["kind"]), str(item["value"])), [])
                    if exhibit.number not in numbers:
                        numbers.append(exhibit.number)
    return [(kind, value, ", ".join(numbers)) for (kind, value), numbers in sorted(found.items())]


def build_annex(
    contents: Contents, provider: Provider, kind: str, form: dict[str, Any], lang: str, missing: list[str]
) -> Annex:
    t = TEXT[lang]

    def g(name: str) -> str:
        value = _get(form, name)
        if value in (None, "", [], {}):
            return t["missing_cell"] if name in missing else ""
        return str(value)

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
            blocks.append(("list", [", ".join(f"{k}: {v}" for k, v in r.items() if v) for r in earlier]))
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
                (t["provider"], provider.name),
                (t["jurisdiction"], provider.jurisdiction),
                (t["hosts"], ", ".join(provider.hosts)),
            ],
        )
    )
    blocks.append(("h2", t["accounts"]))
    rows = [(t["kind"], t["value"], t["exhibit"])]
    for account in provider.accounts.values():
        numbers = ", ".join(e.number for e in account.exhibits)
        rows += [(t.get(kind_, kind_), value, numbers) for kind_, value in account.identifiers]
    blocks.append(("grid", rows))
    seen = _selectors_of(contents, provider)
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
                (t["categories"], ", ".join(t.get(c, c) for c in categories)),
                (t["range"], _time_range(provider, form)),
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
                    (t["period"], t["period_text"].format(days=_get(form, "preservation.period_days") or 90)),
                ],
            )
        )
        blocks.append(("p", t["follow"]))
    else:
        blocks.append(("h2", t["measures"]))
        blocks.append(("p", t["measures31" if kind == "art31" else "measures224"]))
        blocks.append(("table", [(t["relation"], g("preservation.relation_to_offence"))]))
    notify = _get(form, "confidentiality.do_not_notify")
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
        blocks.append(
            (
                "table",
                [
                    (t["url"], record.get("final_url") or record.get("url")),
                    (t["captured"], f"{record.get('started')} — {record.get('finished')}"),
                    (t["collector"], investigator.get("name") or exhibit.event.actor),
                    (
                        t["tool"],
                        f"{(record.get('environment') or {}).get('tool')}; "
                        f"{(record.get('environment') or {}).get('browser')}",
                    ),
                    (
                        t["stamp"],
                        "; ".join(
                            f"{s['tsa']} serial {s['serial']} genTime {s['gen_time']} policy {s['policy']}"
                            for s in covering
                        )
                        or t["none"],
                    ),
                ],
            )
        )
        blocks.append(
            (
                "grid",
                [(t["files"], "bytes", "MIME", "SHA-256", "BLAKE3")]
                + [
                    (
                        a.path.rsplit("/", 1)[-1],
                        f"{a.size:,}",
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
    blocks.append(("p", t["custody_text"].format(events=len(contents.events), head=str(contents.head))))
    return Annex(provider, kind, lang, blocks)


def write_docx(annex: Annex, path: Path) -> None:
    from docx import Document
    from docx.shared import Pt, RGBColor

    document = Document()
    document.core_properties.title = annex.title
    document.core_properties.language = annex.lang
    style = document.styles["Normal"]
    style.font.size = Pt(10)
    for kind, content in annex.blocks:
        if kind == "h1":
            document.add_heading(str(content), level=1)
        elif kind == "h2":
            document.add_heading(str(content), level=2)
        elif kind == "h3":
            document.add_heading(str(content), level=3)
        elif kind == "p":
            document.add_paragraph(str(content) if content else "—")
        elif kind == "list":
            for item in content:
                document.add_paragraph(str(item), style="List Bullet")
        elif kind == "warn":
            title, fields = content
            run = document.add_paragraph().add_run(title)
            run.bold = True
            run.font.color.rgb = RGBColor(0xB0, 0x00, 0x00)
            for name in fields:
                document.add_paragraph(name, style="List Bullet")
        elif kind in ("table", "grid"):
            rows = list(content)
            width = len(rows[0]) if rows else 2
            table = document.add_table(rows=0, cols=width)
            table.style = "Table Grid"
            for number, row in enumerate(rows):
                cells = table.add_row().cells
                for index, value in enumerate(row):
                    cells[index].text = "" if value is None else str(value)
                    if (kind == "table" and index == 0) or (kind == "grid" and number == 0):
                        for paragraph in cells[index].paragraphs:
                            for run in paragraph.runs:
                                run.bold = True
    document.save(str(path))


def render_html(annex: Annex) -> str:
    parts = []
    for kind, content in annex.blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append(f"<{kind}>{_e(content)}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{_e(content) or '—'}</p>")
        elif kind == "list":
            parts.append("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in content) + "</ul>")
        elif kind == "warn":
            title, fields = content
            parts.append(
                f"<div class='warn'><strong>{_e(title)}</strong><ul>"
                + "".join(f"<li>{_e(f)}</li>" for f in fields)
                + "</ul></div>"
            )
        elif kind == "table":
            parts.append(
                "<table>"
                + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in content)
                + "</table>"
            )
        elif kind == "grid":
            rows = list(content)
            parts.append(
                "<table class='grid'><tr>"
                + "".join(f"<th>{_e(c)}</th>" for c in rows[0])
                + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
                + "</table>"
            )
    css = (
        "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt}h1{font-size:16pt}"
        "h2{font-size:12pt;border-bottom:1px solid #444}"
        "table{border-collapse:collapse;width:100%;margin:.3em 0}th,td{border:1px "
        "solid #999;padding:2px 4px;text-align:left;vertical-align:top;overflow-wrap:anywhere}"
        "th{background:#eee;"
        "width:28%}.grid th{width:auto}.grid td{font-size:8pt}.warn{border:2px solid "
        "#b00;color:#b00;padding:.3em}"
    )
    return (
        f"<!DOCTYPE html><html lang='{annex.lang}'><head><meta "
        f"charset='utf-8'><title>{_e(annex.title)}</title>"
        f"<style>{css}</style></head><body>{''.join(parts)}</body></html>"
    )


@dataclass(frozen=True)
class AnnexSet:
    providers: list[Provider]
    annexes: list[Annex]
    missing: list[str]

    def identifiers(self) -> list[str]:
        return [value for p in self.providers for a in p.accounts.values() for _, value in a.identifiers]


def build_annexes(contents: Contents, form: dict[str, Any], lang: str = "en") -> AnnexSet:
    if lang not in TEXT:
        raise InvalidInput(f"--lang must be one of {', '.join(TEXT)}, not {lang!r}")
    missing = missing_fields(form)
    providers = providers_of(contents)
    annexes = [build_annex(contents, p, kind, form, lang, missing) for p in providers for kind in KINDS]
    return AnnexSet(providers, annexes, missing)


def add_to_bag(contents: Contents, writer: Any, options: dict[str, Any]) -> None:
    lang = str(options.get("lang") or "en")
    annexes = build_annexes(contents, options["mla_form"], lang)
    options["mla_missing"] = list(annexes.missing)
    jobs = []
    for annex in annexes.annexes:
        docx_rel = f"{FOLDER}/{annex.stem}.docx"
        write_docx(annex, writer.path(docx_rel))
        writer.adopt(docx_rel)
        html_rel = f"{FOLDER}/{annex.stem}.html"
        writer.write_bytes(html_rel, render_html(annex).encode("utf-8"))
        jobs.append(
            (
                writer.root / html_rel,
                writer.path(f"{FOLDER}/{annex.stem}.pdf"),
                f"{contents.case.id} — {annex.title}",
            )
        )
    summary = {
        "format": "evidence-kit-mla/1",
        "lang": lang,
        "missing_required_fields": annexes.missing,
        "providers": [
            {
                "name": p.name,
                "jurisdiction": p.jurisdiction,
                "hosts": p.hosts,
                "accounts": [
                    {
                        "identifiers": [{"kind": k, "value": v} for k, v in a.identifiers],
                        "exhibits": [e.number for e in a.exhibits],
                    }
                    for a in p.accounts.values()
                ],
            }
            for p in annexes.providers
        ],
        "documents": [f"{a.stem}.docx" for a in annexes.annexes],
    }
    writer.write_bytes(
        f"{FOLDER}/annexes.json", (json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode()
    )
    if jobs:
        print_pdfs(jobs, options.get("chromium"), contents.case.settings.chromium)
        for _, pdf, _ in jobs:
            writer.adopt(pdf.relative_to(writer.root).as_posix())
