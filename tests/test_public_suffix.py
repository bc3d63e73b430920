"""The Public Suffix List read without tldextract gives tldextract's answers (issue 16: importing
tldextract loads requests and urllib3, about 0.25 s of processor time in every capture).

Compared for every rule of the bundled list, private ones included: the rule itself, one and two labels
under it, wildcard rules (``*.ck``) with a label in place of the star and their exceptions (``!www.ck``),
punycode and upper-case spellings, a root dot, IPv4 and IPv6 addresses and names under no rule.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import tldextract

from evidence_kit.metadata import public_suffix


@pytest.fixture(scope="module")
def reference() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(
        suffix_list_urls=(),
        cache_dir=None,
        include_psl_private_domains=True,
        extra_suffixes=public_suffix.EXTRA_SUFFIXES,
    )


def _hosts() -> list[str]:
    listed = public_suffix.rules(public_suffix.snapshot_path().read_text(encoding="utf-8"))
    hosts = []
    for rule in listed:
        name = rule.lstrip("!").replace("*", "x1")
        hosts += [name, f"shop.{name}", f"a.b.{name}", f"WWW.Shop.{name.upper()}", f"shop.{name}."]
        if rule.startswith("!"):
            hosts.append(f"deeper.{name}")
    hosts += [
        "shop.xn--p1ai",  # .рф in punycode
        "магазин.рф",
        "shop.xn--zz-broken",
        "star-models.example",
        "localhost",
        "127.0.0.1",
        "010.1.2.3",
        "300.1.2.3",
        "[::1]",
        "a..b.co.uk",
        "",
    ]
    return hosts


def test_every_rule_of_the_list_splits_as_tldextract_splits_it(reference):
    hosts = _hosts()
    assert len(hosts) > 40_000  # the whole list, not a sample
    differ = []
    for host in hosts:
        expected = reference(host)
        found = public_suffix.split(host)
        if found != (expected.suffix, expected.domain, expected.top_domain_under_public_suffix):
            differ.append((host, found, expected))
    assert differ == []


def test_the_list_is_read_without_importing_tldextract_or_requests():
    code = (
        "import sys; from evidence_kit.metadata import public_suffix;"
        "assert public_suffix.split('shop.example.co.uk')[2] == 'example.co.uk';"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tldextract', 'requests', 'urllib3')))"
    )
    found = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert found.stdout.strip() == "[]"
