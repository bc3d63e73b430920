"""Search across one case or every case under the home folder: selectors, text (FTS5), similar photos.

Other cases are opened read-only (looking at a case must never write to its ledger file).

Nothing shown comes from anywhere but the index tables, and a case's index rows are shown only after
the index check (chain_of_custody.index_check) found every row held by a signed description: asked
about one case whose index disagrees, these functions raise :class:`IndexDisagrees` (exit 1); across
cases, a case whose index disagrees is left out and named in ``left_out``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chain_of_custody.errors import CustodyError, Finding, VerificationFailed

from ..case import Case
from ..config import Settings
from ..errors import InvalidInput
from ..social import registry as social_platforms
from . import index
from .imagehash import DEFAULT_MAX_DISTANCE, ImageHashes, distance, hash_image
from .selectors import extract_text, normalise_phone


@dataclass(frozen=True)
class Place:
    """Where a selector was seen."""

    case_id: str
    capture_id: str | None
    url: str | None
    artefact: str
    found_in: str  # text | link | attribute | metadata
    time: str | None
    context: str

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "capture_id": self.capture_id,
            "url": self.url,
            "artefact": self.artefact,
            "found_in": self.found_in,
            "time": self.time,
            "context": self.context,
        }


@dataclass(frozen=True)
class SelectorSummary:
    kind: str
    value: str
    count: int
    places: list[Place]
    other_cases: list[str] = field(default_factory=list)  # cross-case hits

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "count": self.count,
            "places": [p.to_json() for p in self.places],
            "other_cases": self.other_cases,
            "cross_case": bool(self.other_cases),
        }


@dataclass(frozen=True)
class Hit:
    case_id: str
    capture_id: str | None
    url: str | None
    time: str | None
    match: str  # "selector" or "text"
    kind: str | None  # the selector kind, for selector hits
    value: str | None
    snippet: str
    artefact: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "capture_id": self.capture_id,
            "url": self.url,
            "time": self.time,
            "match": self.match,
            "kind": self.kind,
            "value": self.value,
            "snippet": self.snippet,
            "artefact": self.artefact,
        }


@dataclass(frozen=True)
class ImageMatch:
    case_id: str
    blake3: str
    phash_distance: int
    dhash_distance: int
    url: str | None
    capture_id: str | None
    role: str | None
    width: int
    height: int

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "blake3": self.blake3,
            "phash_distance": self.phash_distance,
            "dhash_distance": self.dhash_distance,
            "url": self.url,
            "capture_id": self.capture_id,
            "role": self.role,
            "width": self.width,
            "height": self.height,
        }


class IndexDisagrees(VerificationFailed):
    """A case's index tables hold a row no signed description holds: nothing is shown from them."""

    def __init__(self, case_id: str, findings: list[Finding]):
        super().__init__(findings)
        more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
        self.args = (
            f"case {case_id}: its metadata index does not check against the signed records, nothing shown:"
            f" {findings[0]}{more}; run 'evidence-kit verify {case_id}' (and 'evidence-kit describe {case_id}"
            " --rebuild-index' when only the index checks fail)",
        )

    def __str__(self) -> str:
        return str(self.args[0])


def index_ok(settings: Settings, case_id: str) -> list[Finding]:
    """The index check's findings for one case under the home folder (empty: every row is held)."""
    from chain_of_custody.index_check import check_index
    from chain_of_custody.report import Report

    report = Report(target=case_id, kind="case")
    check_index(settings.home / case_id, {}, report)
    return report.findings


def _first(findings: list[Finding]) -> str:
    return str(findings[0]) + (f" (+{len(findings) - 1} more)" if len(findings) > 1 else "")


def _case_ids(settings: Settings, case_id: str | None, left_out: dict[str, str] | None = None) -> list[str]:
    """The cases to read: one (its index checked, or IndexDisagrees) or all whose index checks."""
    if case_id is not None:
        with Case.open(settings, case_id) as case:  # CaseNotFound, or a damaged ledger, with the usual message
            case.ledger  # noqa: B018
        findings = index_ok(settings, case_id)
        if findings:
            raise IndexDisagrees(case_id, findings)
        return [case_id]
    ids = []
    for other in Case.list_ids(settings):
        findings = index_ok(settings, other)
        if findings:
            if left_out is not None:
                left_out[other] = _first(findings)
            continue
        ids.append(other)
    return ids


def _ledger(settings: Settings, case_id: str) -> Path:
    return settings.home / case_id / "ledger.sqlite"


def list_selectors(
    settings: Settings, case_id: str, cross_case: bool = True, left_out: dict[str, str] | None = None
) -> list[SelectorSummary]:
    """Every selector of a case with its count and places; ``other_cases`` names cases that also hold it.

    Other cases whose index does not check are not consulted (and are named in ``left_out``)."""
    ids = _case_ids(settings, case_id)
    with index.read_only(_ledger(settings, ids[0])) as connection:
        rows = (
            []
            if connection is None
            else index.query(
                connection,
                "SELECT kind, value, capture_id, url, artefact, found_in, time, context FROM md_selectors"
                " ORDER BY kind, value, seq, id",
            )
        )
    grouped: dict[tuple[str, str], list[Place]] = {}
    for row in rows:
        grouped.setdefault((row["kind"], row["value"]), []).append(
            Place(
                case_id,
                row["capture_id"],
                row["url"],
                row["artefact"],
                row["found_in"],
                row["time"],
                row["context"],
            )
        )
    elsewhere: dict[tuple[str, str], list[str]] = {}
    if cross_case and grouped:
        # Big platforms' domains would link every case to every other: they are not pivots (the handle
        # or number on them is); a small site's domain in two cases is. URLs are left out: every page
        # of a shared site would repeat what its domain already says.
        keys = {key for key in grouped if key[0] != "url" and not (key[0] == "domain" and key[1] in PLATFORM_DOMAINS)}
        for other in Case.list_ids(settings):
            if other == case_id:
                continue
            findings = index_ok(settings, other)
            if findings:
                if left_out is not None:
                    left_out[other] = _first(findings)
                continue
            with index.read_only(_ledger(settings, other)) as connection:
                if connection is None:
                    continue
                for kind, value in connection.execute("SELECT DISTINCT kind, value FROM md_selectors"):
                    if (kind, value) in keys:
                        elsewhere.setdefault((kind, value), []).append(other)
    out = []
    for (kind, value), places in grouped.items():
        # One sighting per capture or artefact: the same number in the text and its tel: link is one place.
        distinct = {(p.capture_id, p.artefact if p.capture_id is None else None) for p in places}
        out.append(SelectorSummary(kind, value, len(distinct), places, sorted(elsewhere.get((kind, value), []))))
    out.sort(key=lambda s: (not s.other_cases, KIND_ORDER.get(s.kind, 99), -s.count, s.value))
    return out


PLATFORM_DOMAINS = frozenset(
    {
        "wa.me",
        "whatsapp.com",
        "api.whatsapp.com",
        "chat.whatsapp.com",
        "t.me",
        "telegram.me",
        "telegram.org",
        "signal.me",
        "viber.com",
        "invite.viber.com",
        "instagram.com",
        "tiktok.com",
        "x.com",
        "twitter.com",
        "facebook.com",
        "fb.com",
        "m.facebook.com",
        "youtube.com",
        "youtu.be",
        "google.com",
        "goo.gl",
        "bit.ly",
        "linkedin.com",
        "vk.com",
        "ok.ru",
        "gmail.com",
        "schema.org",
        "w3.org",
    }
)

KIND_ORDER = {
    kind: number
    for number, kind in enumerate(
        (
            "phone",
            "whatsapp",
            "viber",
            "signal",
            "telegram",
            "email",
            "instagram",
            "tiktok",
            "x",
            "facebook",
            "handle",
            "bitcoin",
            "ethereum",
            "tron",
            "iban",
            "gps",
            "domain",
            "url",
        )
    )
}


def _fts_phrase(query: str) -> str:
    words = re.findall(r"\w+", query, flags=re.UNICODE)
    if not words:
        raise InvalidInput(f"nothing to search for in {query!r}")
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _selector_values(query: str, region: str | None) -> set[str]:
    """The normalised forms a query could be stored under (a phone in any notation → E.164)."""
    values = {query.strip(), query.strip().lower()}
    phone = normalise_phone(query, region)
    if phone:
        values.add(phone)
    for item in extract_text(query, region):
        values.add(item.value)
    if ":" in query.strip():  # an account selector as shown: "telegram:@name" (lower case), "telegram:id:123"
        platform, _, rest = query.strip().partition(":")
        values.add(f"{platform.lower()}:{rest}")
    if query.strip().startswith("@"):
        values.add(query.strip().lower())
    elif re.fullmatch(r"[A-Za-z0-9_.]{3,64}", query.strip()):
        values.add("@" + query.strip().lower())
    handles = [v for v in values if v.startswith("@")]
    # A recorded account's handle is an ``account`` selector "<platform>:@<handle>" (social/).
    values.update(f"{platform}:{handle}" for platform in social_platforms.NAMES for handle in handles)
    return values


def search(
    settings: Settings,
    case_id: str | None,
    query: str,
    limit: int = 200,
    left_out: dict[str, str] | None = None,
) -> list[Hit]:
    """Selectors equal to the query (in any notation) and captures whose text contains its words."""
    if not query.strip():
        raise InvalidInput("give something to search for (a phone number, a handle, words)")
    hits: list[Hit] = []
    phrase = _fts_phrase(query)
    for cid in _case_ids(settings, case_id, left_out):
        region = None
        try:
            with Case.open(settings, cid) as case:
                region = case.info.get("default_region")
        except CustodyError:  # a broken case must not stop a search of all the others
            continue
        values = _selector_values(query, region)
        with index.read_only(_ledger(settings, cid)) as connection:
            if connection is None:
                continue
            marks = ",".join("?" * len(values))
            for row in index.query(
                connection,
                "SELECT kind, value, capture_id, url, time, context, artefact"
                f" FROM md_selectors WHERE value IN ({marks}) OR lower(value) IN ({marks})"
                " ORDER BY seq, id",
                [*values, *values],
            ):
                hits.append(
                    Hit(
                        cid,
                        row["capture_id"],
                        row["url"],
                        row["time"],
                        "selector",
                        row["kind"],
                        row["value"],
                        row["context"],
                        row["artefact"],
                    )
                )
            for row in index.query(
                connection,
                "SELECT t.capture_id, t.url, t.time, t.artefact, t.title,"
                " snippet(md_texts_fts, 1, '«', '»', '…', 12) AS snippet"
                " FROM md_texts_fts JOIN md_texts t ON t.rowid = md_texts_fts.rowid"
                " WHERE md_texts_fts MATCH ? ORDER BY rank LIMIT ?",
                [phrase, limit],
            ):
                hits.append(
                    Hit(
                        cid,
                        row["capture_id"],
                        row["url"],
                        row["time"],
                        "text",
                        None,
                        None,
                        " ".join(str(row["snippet"]).split()),
                        row["artefact"],
                    )
                )
    return _dedupe_hits(hits)[:limit]


def _dedupe_hits(hits: list[Hit]) -> list[Hit]:
    """One hit per selector per capture (or file), with the longest context; text hits as found."""
    best: dict[tuple[Any, ...], Hit] = {}
    for hit in hits:
        if hit.match == "selector":
            key: tuple[Any, ...] = (hit.case_id, hit.capture_id or hit.artefact, hit.kind, hit.value)
        else:
            key = (hit.case_id, hit.capture_id, hit.artefact, hit.snippet)
        if key not in best or len(hit.snippet) > len(best[key].snippet):
            best[key] = hit
    return list(best.values())


def _hashes_for(settings: Settings, case_ids: list[str], target: str) -> tuple[ImageHashes, str | None]:
    """Hashes of an image file, or of an artefact named by its digest in one of the cases."""
    path = Path(target)
    if path.is_file():
        hashes = hash_image(path)
        if hashes is None:
            raise InvalidInput(f"{target} is not an image that can be read (or is smaller than 32 pixels)")
        return hashes, None
    if not re.fullmatch(r"(blake3:)?[0-9a-f]{8,64}", target):
        raise InvalidInput(f"{target!r} is neither an image file nor an artefact digest (blake3:…)")
    digest = target if target.startswith("blake3:") else "blake3:" + target
    for cid in case_ids:
        with index.read_only(_ledger(settings, cid)) as connection:
            if connection is None:
                continue
            row = connection.execute(
                "SELECT blake3, phash, dhash, width, height FROM md_images WHERE blake3 LIKE ?",
                (digest + "%",),
            ).fetchone()
            if row:
                return ImageHashes(row[1], row[2], row[3], row[4]), row[0]
        stored = settings.home / cid / "artefacts"
        for candidate in stored.glob(f"{digest.split(':', 1)[1][:2]}/{digest.split(':', 1)[1]}*"):
            hashes = hash_image(candidate)
            if hashes:
                return hashes, "blake3:" + candidate.name
    raise InvalidInput(f"no image artefact {target} in {'the case' if len(case_ids) == 1 else 'any case'}")


def similar(
    settings: Settings,
    case_id: str | None,
    target: str,
    max_distance: int = DEFAULT_MAX_DISTANCE,
    left_out: dict[str, str] | None = None,
) -> tuple[ImageHashes, list[ImageMatch]]:
    """Photos whose pHash is within ``max_distance`` bits of the target's, nearest first."""
    if not 0 <= max_distance <= 64:
        raise InvalidInput("--max-distance is a number of bits between 0 and 64")
    ids = _case_ids(settings, case_id, left_out)
    hashes, _ = _hashes_for(settings, ids, target)
    matches = []
    for cid in ids:
        with index.read_only(_ledger(settings, cid)) as connection:
            if connection is None:
                continue
            for row in index.query(
                connection, "SELECT blake3, phash, dhash, width, height, role, url, capture_id FROM md_images"
            ):
                phash_distance = distance(hashes.phash, row["phash"])
                if phash_distance <= max_distance:
                    matches.append(
                        ImageMatch(
                            cid,
                            row["blake3"],
                            phash_distance,
                            distance(hashes.dhash, row["dhash"]),
                            row["url"],
                            row["capture_id"],
                            row["role"],
                            row["width"],
                            row["height"],
                        )
                    )
    matches.sort(key=lambda m: (m.phash_distance, m.dhash_distance, m.case_id, m.blake3))
    return hashes, matches
