"""Metadata and selectors: describe every artefact, index selectors and photos, search across cases.

filetype (libmagic), exif (exiftool), page (DOM), media (WARC payloads), selectors (pure parsing),
imagehash (pHash/dHash), index (SQLite tables beside the ledger), describe (orchestration), search.
"""
