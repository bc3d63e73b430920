"""Canonical JSON for everything that is hashed or signed.

What it is, exactly: UTF-8 JSON with object keys sorted, no insignificant white space, strings written as
Python's ``json`` writes them with ``ensure_ascii=False`` (only ``"``, ``\\`` and control characters
escaped), and only these values: objects with string keys, arrays, strings, booleans, null and integers.

It is the subset of RFC 8785 (JCS) on which JCS and this writer agree, so that a verifier in another
language re-hashes the same bytes:

- **no floats**: JCS writes numbers the ECMAScript way, which Python's repr does not always match; we
  store measurements as integers or decimal text instead (:func:`floats_as_text`);
- **integers only within ±(2^53 − 1)**: JSON numbers are IEEE 754 doubles in JCS and in most languages,
  so a larger integer would be read back rounded and re-hashed to different bytes; it is refused
  (store it as text: TSA serial numbers, for instance, are strings);
- keys are sorted by code point, where JCS sorts by UTF-16 code unit; the two orders differ only for keys
  mixing characters above U+FFFF with ones in U+E000–U+FFFF, which no key we write contains.

>>> canonical_json({"b": 1, "a": [True, None, "é"]})
b'{"a":[true,null,"\\xc3\\xa9"],"b":1}'
>>> canonical_json({"n": 2**53})
Traceback (most recent call last):
...
TypeError: canonical JSON refuses integers beyond ±(2^53 - 1) (at $.n); store it as text
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 / I-JSON (RFC 7493 2.2): integers a double holds exactly
# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds on every call,
# made once (verifying a long ledger encodes every event again).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _check(value: Any, path: str = "$") -> None:
    if isinstance(value, float):
        raise TypeError(f"canonical JSON refuses floats (at {path}); store an integer or a string")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        raise TypeError(f"canonical JSON refuses integers beyond ±(2^53 - 1) (at {path}); store it as text")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON keys must be strings (at {path})")
            _check(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
    elif value is not None and not isinstance(value, str | int | bool):
        raise TypeError(f"canonical JSON cannot hold {type(value).__name__} (at {path})")


def canonical_json(value: Any, strict: bool = True) -> bytes:
    """Return the canonical UTF-8 bytes of a JSON value.

    ``strict=False`` skips the type walk: verification re-hashes stored events, where a value that the
    writer would have refused simply yields a different hash.
    """
    if strict:
        _check(value)
    return _ENCODER.encode(value).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"the key {repeated[0]!r} appears twice (a reader may see either value)")
    return dict(pairs)


def loads_strict(data: str | bytes) -> Any:
    """Parse JSON that a person or a court reads, refusing an object that names a key twice.

    ``json.loads`` keeps the last of two equal keys, another reader may keep the first: a checked copy
    must not be able to say two things.

    >>> loads_strict('{"title": "forged", "title": "real"}')
    Traceback (most recent call last):
    ...
    ValueError: the key 'title' appears twice (a reader may see either value)
    """
    return json.loads(data, object_pairs_hook=_no_duplicates)


def floats_as_text(value: Any) -> Any:
    """Make outside JSON (exiftool output, a page's JSON-LD) fit for canonical JSON: floats become their
    shortest exact decimal text, integers too large for a double become text, dict keys become strings.

    >>> floats_as_text({"lat": 42.6977, 1: [2.50, 3, 2**60]})
    {'lat': '42.6977', '1': ['2.5', 3, '1152921504606846976']}
    """
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        return str(value)
    if isinstance(value, dict):
        return {str(k): floats_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [floats_as_text(v) for v in value]
    return value
