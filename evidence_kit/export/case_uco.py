"""CASE 1.4 / UCO JSON-LD (``data/case.jsonld``): the investigation, people, tool, captures and custody.

Each capture is an InvestigativeAction (performer, instrument, start and end, the URL as object, the files
as results); each file is an ObservableObject with a FileFacet and a ContentDataFacet carrying its SHA-256
hash facet; each exhibit has a ProvenanceRecord with its exhibit number; every custody event is an action.
``case_validate`` rejects ``hashMethod "BLAKE3"`` (its vocabulary has no BLAKE3), so the BLAKE3 identity is
carried in the file object's ``uco-core:description`` and as a ``uco-core:ExternalReference``-free tag.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from .. import TOOL, __version__
from .contents import BagArtefact, Contents
from .job import ExportJob

PATH = "data/case.jsonld"

CONTEXT = {
    "kb": "http://example.org/kb/",
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "drafting": "http://example.org/ontology/drafting/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-location": "https://ontology.unifiedcyberontology.org/uco/location/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "uco-vocabulary": "https://ontology.unifiedcyberontology.org/uco/vocabulary/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

_NS = uuid.UUID("6f1f4a51-4b52-4c1e-9c1e-3c6a7e0b6d11")


def _id(kind: str, *parts: str) -> str:
    """Stable node ids: the same case exported twice gives the same graph."""
    return f"kb:{kind}-{uuid.uuid5(_NS, '|'.join(parts))}"


def _time(value: Any) -> dict[str, str] | None:
    if not value:
        return None
    return {"@type": "xsd:dateTime", "@value": str(value)}


def _ref(node_id: str) -> dict[str, str]:
    return {"@id": node_id}


def _file_node(case_id: str, artefact: BagArtefact) -> dict[str, Any]:
    node_id = _id("File", case_id, artefact.blake3)
    content: dict[str, Any] = {
        "@id": _id("ContentDataFacet", case_id, artefact.blake3),
        "@type": "uco-observable:ContentDataFacet",
        "uco-observable:hash": [
            {
                "@id": _id("Hash", case_id, artefact.sha256),
                "@type": "uco-types:Hash",
                "uco-types:hashMethod": "SHA256",  # UCO 1.4: a plain xsd:string
                "uco-types:hashValue": {
                    "@type": "xsd:hexBinary",
                    "@value": artefact.sha256.split(":", 1)[1].upper(),
                },
            }
        ],
    }
    if artefact.size >= 0:
        content["uco-observable:sizeInBytes"] = {"@type": "xsd:integer", "@value": str(artefact.size)}
    if artefact.mime:
        content["uco-observable:mimeType"] = artefact.mime
    return {
        "@id": node_id,
        "@type": "uco-observable:File",
        "uco-core:name": artefact.path.rsplit("/", 1)[-1],
        # BLAKE3 is the artefact's identity in the ledger; CASE's hash vocabulary has no BLAKE3 yet.
        "uco-core:description": f"{artefact.role} of exhibit {artefact.exhibit or '-'}; "
        f"BLAKE3 {artefact.blake3}; bundle path {artefact.path}",
        "uco-core:tag": [artefact.blake3, f"role:{artefact.role}"],
        "uco-core:hasFacet": [
            {
                "@id": _id("FileFacet", case_id, artefact.blake3),
                "@type": "uco-observable:FileFacet",
                "uco-observable:fileName": artefact.path.rsplit("/", 1)[-1],
                "uco-observable:filePath": artefact.path,
                **(
                    {"uco-observable:sizeInBytes": {"@type": "xsd:integer", "@value": str(artefact.size)}}
                    if artefact.size >= 0
                    else {}
                ),
            },
            content,
        ],
    }


def build_graph(contents: Contents) -> dict[str, Any]:
    case = contents.case
    case_id = case.id
    graph: list[dict[str, Any]] = []
    people: dict[str, str] = {}

    def person(name: str) -> str:
        if name not in people:
            people[name] = _id("Person", case_id, name)
            graph.append({"@id": people[name], "@type": "uco-identity:Person", "uco-core:name": name})
        return people[name]

    tool_id = _id("Tool", "evidence-kit", __version__)
    graph.append(
        {
            "@id": tool_id,
            "@type": "uco-tool:Tool",
            "uco-core:name": "evidence-kit",
            "uco-tool:version": __version__,
            "uco-tool:toolType": "evidence capture and preservation",
        }
    )
    organisation = case.info.get("organisation")
    if organisation:
        graph.append(
            {
                "@id": _id("Organization", case_id, organisation),
                "@type": "uco-identity:Organization",
                "uco-core:name": organisation,
            }
        )
    for item in case.info.get("investigators", []):
        person(str(item["name"]))

    files = {digest: _file_node(case_id, artefact) for digest, artefact in contents.artefacts.items()}
    graph.extend(files[d] for d in sorted(files))
    investigation_objects: list[dict[str, str]] = []

    for exhibit in contents.exhibits:
        results = [_ref(files[a.blake3]["@id"]) for a in exhibit.artefacts if a.blake3 in files]
        record = exhibit.record or {}
        action: dict[str, Any] = {
            "@id": _id("InvestigativeAction", case_id, exhibit.number, str(exhibit.event.seq)),
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": f"{exhibit.number}: " + (f"capture of {record.get('url')}" if record else "file added"),
            "uco-action:performer": _ref(person(exhibit.event.actor)),
            "uco-action:instrument": _ref(tool_id),
            "uco-action:result": results,
        }
        if record:
            url_id = _id("URL", case_id, str(record.get("url")))
            graph.append(
                {
                    "@id": url_id,
                    "@type": "uco-observable:URL",
                    "uco-core:hasFacet": [
                        {
                            "@id": _id("URLFacet", case_id, str(record.get("url"))),
                            "@type": "uco-observable:URLFacet",
                            "uco-observable:fullValue": str(record.get("url")),
                        }
                    ],
                }
            )
            action["uco-action:object"] = [_ref(url_id)]
            action["uco-action:startTime"] = _time(record.get("started"))
            action["uco-action:endTime"] = _time(record.get("finished"))
            action["uco-core:description"] = (
                f"Capture {record.get('id')}: {record.get('url')} -> {record.get('final_url')}; "
                f"status {record.get('status')}; {record.get('legal_basis') or ''}; clock: "
                f"{record.get('clock_source')}"
            )
        else:
            action["uco-action:startTime"] = _time(exhibit.event.time)
            action["uco-action:endTime"] = _time(exhibit.event.time)
            source = exhibit.event.details.get("source")
            action["uco-core:description"] = f"File {exhibit.event.details.get('original_name')} added to the case" + (
                f"; source: {source}" if source else ""
            )
        graph.append({k: v for k, v in action.items() if v is not None})
        provenance: dict[str, Any] = {
            "@id": _id("ProvenanceRecord", case_id, exhibit.number),
            "@type": "case-investigation:ProvenanceRecord",
            "case-investigation:exhibitNumber": exhibit.number,
            "uco-core:description": f"Exhibit {exhibit.number}: {exhibit.title}",
            "uco-core:object": results,
        }
        graph.append(provenance)
        investigation_objects += [_ref(action["@id"]), _ref(provenance["@id"])]

    for event in contents.events:
        node: dict[str, Any] = {
            "@id": _id("InvestigativeAction", case_id, "event", str(event.seq)),
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": f"custody event {event.seq}: {event.action}",
            "uco-core:description": (
                f"ledger event {event.seq} ({event.action}) by {event.actor} "
                f"[{event.key_id}], entry hash {event.entry_hash}"
                + (f"; to {event.details.get('to')}" if event.details.get("to") else "")
                + (f"; note: {event.details.get('note')}" if event.details.get("note") else "")
            ),
            "uco-action:performer": _ref(person(event.actor)),
            "uco-action:instrument": _ref(tool_id),
            "uco-action:startTime": _time(event.time),
            "uco-action:endTime": _time(event.time),
        }
        objects = [_ref(files[str(i.get("blake3"))]["@id"]) for i in event.artefacts if str(i.get("blake3")) in files]
        if objects:
            node["uco-action:object"] = objects
        graph.append(node)
        investigation_objects.append(_ref(node["@id"]))

    graph.insert(
        0,
        {
            "@id": _id("Investigation", case_id),
            "@type": "case-investigation:Investigation",
            "uco-core:name": case_id,
            "uco-core:description": str(case.info.get("title") or ""),
            "case-investigation:focus": [str(case.info.get("offence"))] if case.info.get("offence") else [],
            "uco-core:object": investigation_objects,
        },
    )
    graph[0] = {k: v for k, v in graph[0].items() if v not in ([], None)}
    return {"@context": CONTEXT, "@graph": graph, "uco-core:description": f"Written by {TOOL}"}


def to_bytes(contents: Contents) -> bytes:
    graph = build_graph(contents)
    graph.pop("uco-core:description", None)
    return (json.dumps(graph, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def add_to_bag(job: ExportJob) -> None:
    job.writer.write_bytes(PATH, to_bytes(job.contents))
