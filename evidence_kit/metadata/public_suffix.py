"""The Public Suffix List (publicsuffix.org): which part of a host name is the suffix anyone can register
under (``co.uk``, ``blogspot.com``), so that ``shop.example.co.uk`` is the site ``example.co.uk``.

The list is the snapshot that ``tldextract`` bundles (its version is in every description's library
list), read here without importing ``tldextract``: that import loads ``requests`` and ``urllib3`` for
fetching lists, which this never does, and cost about 0.25 s of processor time in every capture
(issue 16). The answers are ``tldextract``'s, private suffixes included: ``tests/test_public_suffix.py``
compares the two for every rule of the list.

>>> split("shop.example.co.uk"), split("a.b.example.com.bg"), split("star-models.example")
(('co.uk', 'example', 'example.co.uk'), ('com.bg', 'example', 'example.com.bg'), ('', 'example', ''))
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import Any

# Second-level names sold to unrelated registrants, like a public suffix, that the list does not name
# (shop.com.bg and bank.com.bg are two owners, not one "com.bg").
EXTRA_SUFFIXES = ("com.bg",)
# A rule is the first word of a line that is not a comment (the list's own format).
_RULE = re.compile(r"^(?P<suffix>[.*!]*\w[\S]*)", re.UNICODE | re.MULTILINE)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"  # no leading zero: "010" is not an octet here
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}", re.ASCII)
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_END = None  # the key that marks a node as the end of a rule (a label is never None)


def snapshot_path() -> Path:
    """The list as ``tldextract`` ships it, found without importing ``tldextract``."""
    spec = importlib.util.find_spec("tldextract")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("tldextract, which carries the Public Suffix List, is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / ".tld_set_snapshot"


def rules(text: str) -> list[str]:
    """Every rule of the list, private ones included, and :data:`EXTRA_SUFFIXES`."""
    return [match.group("suffix") for match in _RULE.finditer(text)] + list(EXTRA_SUFFIXES)


@functools.cache
def _tree() -> dict[Any, Any]:
    """The rules as a tree of labels, last label first (``co.uk`` is ``uk`` → ``co``)."""
    root: dict[Any, Any] = {}
    for rule in rules(snapshot_path().read_text(encoding="utf-8")):
        node = root
        for label in reversed(rule.split(".")):
            node = node.setdefault(label, {})
        node[_END] = True
    return root


def load() -> None:
    """Read the list now (once per process), not at the first host name."""
    _tree()


def _label(label: str) -> str:
    lowered = label.lower()
    if lowered.startswith("xn--"):
        import idna  # IDNA 2008, as the list is matched elsewhere; only for punycode labels

        try:
            return str(idna.decode(lowered))
        except (UnicodeError, IndexError):
            pass
    return lowered


def _suffix_start(labels: list[str]) -> int | None:
    """Where the longest matching rule begins in ``labels``, wildcards and exceptions applied."""
    node = _tree()
    found = None
    at = len(labels)
    for label in reversed(labels):
        name = _label(label)
        if name in node:
            at -= 1
            node = node[name]
            if node.get(_END):
                found = at
            continue
        if "*" in node:  # a wildcard rule takes this label too, unless an exception names it
            return at if f"!{name}" in node else at - 1
        break
    return found


@functools.lru_cache(maxsize=1 << 16)
def split(host: str) -> tuple[str, str, str]:
    """(public suffix, the label before it, the two joined: the registrable domain) of a host name.

    A host under no rule has no suffix, and its last label stands as the domain; an IPv4 address is
    the domain itself.
    """
    name = host.strip().translate(_DOTS).rstrip(".")
    labels = name.split(".")
    start = _suffix_start(labels)
    if start is None:
        if len(labels) == 4 and name[:1].isdecimal() and _IPV4.fullmatch(name):
            return "", name, ""
        return "", labels[-1], ""
    suffix = ".".join(labels[start:])
    domain = labels[start - 1] if start > 0 else ""
    return suffix, domain, f"{domain}.{suffix}" if domain and suffix else ""
