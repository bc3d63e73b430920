"""Canonical JSON for everything that is hashed or signed.

Keys sorted, no insignificant white space, UTF-8, no floats (their text form differs between
languages; RFC 8785 pins it down with rules we avoid needing by storing numbers as integers or text).

>>> canonical_json({"b": 1, "a": [True, None, "é"]})
b'{"a":[true,null,"\\xc3\\xa9"],"b":1}'
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def _check(value: Any, path: str = "$") -> None:
    if isinstance(value, float):
        raise TypeError(f"canonical JSON refuses floats (at {path}); store an integer or a string")
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
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def floats_as_text(value: Any) -> Any:
    """Make outside JSON (exiftool output, a page's JSON-LD) fit for canonical JSON: floats become their
    shortest exact decimal text, dict keys become strings.

    >>> floats_as_text({"lat": 42.6977, 1: [2.50, 3]})
    {'lat': '42.6977', '1': ['2.5', 3]}
    """
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, dict):
        return {str(k): floats_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [floats_as_text(v) for v in value]
    return value
