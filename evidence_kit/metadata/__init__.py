"""Metadata and selectors: describe every artefact, index selectors and photos, search across cases.

Modules: filetype (libmagic), exif (exiftool, one process per batch), page (DOM metadata), media (image
and video payloads out of WARCs), documents (PDF text), selectors and crypto (pure parsing and
checksums), imagehash (pHash/dHash), index (``md_*`` tables in ledger.sqlite), describe (orchestration,
one ``describe`` custody event per run), search (selectors, FTS5 text, similar photos, across cases),
checks (a verify check).

A description (role ``metadata``, canonical JSON, format ``evidence-kit-description/1``)::

    {"format": "evidence-kit-description/1",
     "source": {"blake3", "sha256", "size", "role", "capture_id", "url", "original_name"},
     "extractors": [{"name": "libmagic", "version": "libmagic 5.44"},
                    {"name": "exiftool", "version": "exiftool 12.57"}, {"name": "evidence-kit", ...}],
     "filetype": {"mime", "description", "encoding"}, "extension_mismatch": true|false|null,
     "embedded": {"tags": {"Group:Tag": value}, "gps": {latitude, longitude, readable, altitude, time, map}
                  | null, "highlights": {...}, "error": null},          # exiftool, when it applies
     "page": {title, language, canonical, description, opengraph, twitter, meta, json_ld, microdata,
              schema_types, links: [{url, text, rel}], forms: [{action, method, asks, fields}], images},
     "media_source": {url, warc, warc_record_id, warc_payload_digest, warc_date, http_status, capture_id},
     "document_text": {extractor, characters, error},                   # PDFs added or downloaded
     "image_hashes": {"phash": "phash:<16 hex>", "dhash": "dhash:<16 hex>", width, height},
     "selectors": [{kind, value, raw, context, source}], "flags": ["gps", "extension-mismatch", ...]}

The describe event lists each description (``role: metadata, source: <blake3 of what it describes>``)
and each WARC payload it stored (``role: media, source: <warc blake3>, url``); its details carry
``sources``, ``captures``, ``extractors`` and ``errors``.
"""
