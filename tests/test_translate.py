"""Issue 15: the report and the MLA annexes in English and French, from the same templates.

French is one file (``evidence_kit/export/translations/fr.json``) keyed by the English sentences; these
tests fail when a sentence the report or the annexes can print has no French, when a French report still
shows an English heading, and when dates and numbers are not written the French way.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import subprocess
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from chain_of_custody import bagit_check
from chain_of_custody.bundle import verify_bundle
from evidence_kit.errors import InvalidInput
from evidence_kit.export import translate
from evidence_kit.export.mla.texts import ENGLISH
from evidence_kit.export.translate import Translator
from tests.fixtures.bundle import CASE_ID, FORM

ROOT = Path(__file__).resolve().parent.parent
FRENCH = json.loads((ROOT / "evidence_kit/export/translations/fr.json").read_text("utf-8"))
MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
FRENCH_TIME = re.compile(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}} à \d\d:\d\d:\d\d UTC")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def asked_messages() -> set[str]:
    """Every English sentence written out in the report template and the code that prepares the report and
    the annexes: t("…") in the template, tr.text("…") in the code, and the annexes' fixed wording."""
    found = set(ENGLISH.values())
    template = (ROOT / "evidence_kit/templates/report.html.j2").read_text("utf-8")
    for call in jinja2.Environment().parse(template).find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "t" and isinstance(call.args[0], nodes.Const):
            found.add(call.args[0].value)
    for module in ("evidence_kit/export/report.py", "evidence_kit/export/mla/annex.py"):
        for node in ast.walk(ast.parse((ROOT / module).read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "text"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


class _Headings(HTMLParser):
    """The text of every heading and table header cell of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "th", "title"):
            self._open.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "th", "title") and self._open:
            self.texts.append(" ".join(self._open.pop().split()))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1] += data


def headings(page: str) -> list[str]:
    parser = _Headings()
    parser.feed(page)
    return parser.texts


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S)))


# -- the catalogue -------------------------------------------------------------------------------------------
def test_every_sentence_the_report_and_annexes_print_has_a_french_translation():
    missing = sorted(asked_messages() - set(FRENCH))
    assert missing == [], missing


def test_each_translation_keeps_its_placeholders():
    for english, french in FRENCH.items():
        if english.startswith("//"):
            continue
        assert set(re.findall(r"{(\w*)}", english)) == set(re.findall(r"{(\w*)}", french)), english


def test_languages_are_the_files_beside_english():
    assert translate.languages() == ("en", "fr")
    with pytest.raises(InvalidInput, match="--lang must be one of en, fr"):
        Translator("de")


def test_french_dates_and_numbers():
    fr, en = Translator("fr"), Translator("en")
    assert fr.datetime("2026-12-01T14:03:27.123456Z") == "1 décembre 2026 à 14:03:27 UTC"
    assert fr.datetime("2026-08-15T00:00:00+02:00") == "14 août 2026 à 22:00:00 UTC"
    assert fr.date("2026-03-02") == "2 mars 2026"
    assert fr.number(1234567) == "1\u202f234\u202f567"  # a narrow no-break space between groups
    assert fr.number(1234.5) == "1\u202f234,5"  # and a decimal comma
    assert fr.datetime("not a time") == "not a time"  # what is not a time is shown as recorded
    # English keeps the forms the report always had: the times as the ledger records them.
    assert en.datetime("2026-12-01T14:03:27.123456Z") == "2026-12-01T14:03:27.123456Z"
    assert en.number(1234567) == "1,234,567"


def test_only_the_tools_own_phrases_in_a_record_are_translated():
    fr = Translator("fr")
    assert fr.phrase("publicly accessible, not logged in (Budapest Convention Art. 32(a))") == (
        "accessible au public, sans connexion (Convention de Budapest, article 32.a)"
    )
    assert fr.phrase("Work in Germany, 2000 EUR a month") == "Work in Germany, 2000 EUR a month"
    assert fr.missing == set()


# -- a French bundle -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def french_bundle(exported_case, tmp_path_factory) -> Iterator[tuple[Path, dict]]:
    from typer.testing import CliRunner

    from evidence_kit.cli import app

    saved = {key: os.environ.get(key) for key in exported_case.env}
    os.environ.update(exported_case.env)
    try:
        root = tmp_path_factory.mktemp("french")
        form = root / "form.json"
        form.write_text(json.dumps(FORM), "utf-8")
        out = root / "bundle-fr"
        result = CliRunner().invoke(
            app, ["export", CASE_ID, "--out", str(out), "--lang", "fr", "--mla", str(form), "--json"]
        )
        assert result.exit_code == 0, result.stderr
        yield out, json.loads(result.stdout)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.mark.browser
@pytest.mark.slow
def test_french_report_has_french_headings_dates_and_numbers(french_bundle):
    bag, result = french_bundle
    assert not [w for w in result["warnings"] if "translation" in w]
    page = (bag / "data/report/report.html").read_text("utf-8")
    assert "<html lang='fr'>" in page
    shown = headings(page)
    for heading in ("Pièces", "Chronologie de la chaîne de possession", "Comment vérifier ce paquet à la main"):
        assert heading in shown
    # No heading left in English: none is an English sentence whose French differs.
    english = {english for english, french in FRENCH.items() if english != french}
    for heading in shown:
        left = {e for e in english if e and "{" not in e and e.lower() == heading.lower()}
        assert not left, f"English heading in the French report: {heading!r}"
    text = text_of(page)
    assert FRENCH_TIME.search(text)
    assert not RFC3339.search(text), RFC3339.search(text)
    assert re.search(r"\d{1,3}(\u202f\d{3})+", text)  # file sizes grouped the French way
    assert "Star Models recruitment ads" in text  # the case's own facts stay as recorded


@pytest.mark.browser
@pytest.mark.slow
def test_french_report_pdf_says_the_same(french_bundle):
    bag, _ = french_bundle
    result = subprocess.run(
        ["pdftotext", "-layout", str(bag / "data/report/report.pdf"), "-"], capture_output=True, text=True, check=True
    )
    assert "Rapport de preuves — dossier" in result.stdout
    assert "Chronologie de la chaîne de possession" in result.stdout
    assert FRENCH_TIME.search(" ".join(result.stdout.split()))
    assert "Dossier OP-2026-017 — rapport de preuves — page" in result.stdout  # the footer


@pytest.mark.browser
@pytest.mark.slow
def test_french_annexes_and_the_language_recorded(french_bundle):
    bag, _ = french_bundle
    annexes = sorted((bag / "data/mla").glob("*-fr.html"))
    assert len(annexes) == 3
    for annex in annexes:
        page = annex.read_text("utf-8")
        assert "<html lang='fr'>" in page
        text = text_of(page)
        assert "Convention" in text and ("STE n° 185" in text or "STCE n° 224" in text)
        assert FRENCH_TIME.search(text) and "2 mars 2026" in text
        assert "INFORMATIONS OBLIGATOIRES MANQUANTES" in text
    assert bagit_check.read_tag_file(bag / "bag-info.txt")["Report-Language"] == "fr"
    assert json.loads((bag / "data/mla/annexes.json").read_text())["lang"] == "fr"
    assert verify_bundle(bag).ok


@pytest.mark.browser
@pytest.mark.slow
def test_english_report_is_as_it_was(exported_case):
    bag = exported_case.folder
    page = (bag / "data/report/report.html").read_text("utf-8")
    assert "<html lang='en'>" in page
    for heading in ("Exhibits", "Custody timeline", "How to verify this bundle by hand", "Key metadata"):
        assert heading in headings(page)
    text = text_of(page)
    assert RFC3339.search(text) and not FRENCH_TIME.search(text)
    assert re.search(r"\d{1,3}(,\d{3})+", text)
    assert bagit_check.read_tag_file(bag / "bag-info.txt")["Report-Language"] == "en"
    with zipfile.ZipFile(exported_case.zip) as archive:
        assert any(name.endswith("report/report.pdf") for name in archive.namelist())
