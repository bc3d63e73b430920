"""Metadata and selectors: describe every artefact, index selectors and photos, search across cases.

Modules: filetype (libmagic), exif (exiftool, one process per batch), page (DOM metadata), media (image
and video payloads out of WARCs), documents (PDF text), selectors and crypto (parsing and checksums),
imagehash (pHash/dHash), derived (files taken out of handed-over containers) with its readers archives
(ZIP/TAR), mail (.eml/.mbox), chats (WhatsApp, Telegram) and office (OOXML/ODF), describers (one
small module per kind of content, run in one ordered sequence), index (the ``md_*`` tables in
ledger.sqlite, plain SQL), describe (orchestration, one ``describe`` custody event per run;
``rebuild_index``), search (selectors, FTS5 text, similar photos, across cases).

The index is derived data. Its rows are derived by one rule, chain_of_custody.index_rows, from the
describe events, the descriptions, the text artefacts they name and the capture records; describe
writes those rows, ``describe --rebuild-index`` writes them again, and verify's ``index-metadata``
check derives them and compares (``index-artefacts`` does the same for the ledger's ``artefacts``
table; ``description-source`` checks each description names its event's source). ``case show``,
``selectors`` and ``search`` show only index rows, and only of a case whose index check passes: asked
about one case whose index disagrees they refuse (exit 1, one line); across cases they leave such a
case out and say so.

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
     "archive": {format, members: [{path, size, modified, blake3, sha256, mime}], member_count, total_size,
                 refused: null | "why nothing was taken out", times, chat_export},   # ZIP/TAR handed over
     "email": {subject, message_id, date, headers, addresses: {"From": [...], ...}, received: [{hop,
               from_host, from_ip, by_host, with, time, raw}], authentication, dkim_signatures,
               attachments: [{path, name, content_type, size, blake3, sha256, mime}], problems},
     "mbox": {messages: [{path, size, blake3, sha256, from, to, subject, date, message_id}], message_count},
     "chat": {format, title, participants, message_count, time_zone, date_order, messages: [{n, time,
              sender, kind, text, attachments: [{name, omitted, blake3}], utc?}], problems},
     "office": {format, metadata: {title, author, last_modified_by, created, modified, revision,
                application, …}, text_parts, characters, problems, times_note, macros?, macros_note?},
     "text": {"blake3", "characters", "title"},       # the text search indexes (md_texts), when any
     "selectors": [{kind, value, raw, context, source}], "flags": ["gps", "extension-mismatch", "macros", ...]}

The describe event lists each description (``role: metadata, source: <blake3 of what it describes>``),
each indexed text that is not the artefact's own bytes (``role: extracted-text, source``: a capture's
DOM text, a PDF's or HTML file's text) and each WARC payload it stored (``role: media, source: <warc
blake3>, url, capture_id, content_type, warc_record_id, warc_payload_digest``) and each file it took out
of a handed-over container (``role: archive-member | attachment | mail-message, source: <container
blake3>, path``); its details carry
``sources``, ``captures``, ``extractors`` and ``errors``. ``describe --rebuild-index`` records a
``reindex`` event (no artefacts; details: ``findings_before``, ``findings_before_count``).
"""
