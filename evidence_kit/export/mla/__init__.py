"""MLA and preservation annexes (Budapest Convention, ETS 185, and its Second Protocol, CETS 224).

For every service provider and account found in the exported captures: an Art. 29 expedited
preservation request, an Art. 31 MLA request annex, and the CETS 224 Art. 7/8 variant for subscriber and
traffic data, following the headings of the T-CY templates (T-CY(2018)11 and T-CY(2018)10). What the tool
cannot know (authorities, contacts, references, legal basis, facts) comes from a FORM.json the
investigator fills (``evidence-kit mla-form``); every required field left empty is listed in the annex
itself, on stderr and in ``--json``, never silently blank. Each annex is written as DOCX (editable,
python-docx) and PDF (printed through the same Chromium as the report), in English or French.

The package follows the data flow: ``form`` (the FORM.json template, parsing, missing fields),
``providers`` (providers and accounts in the captures), ``texts`` (the EN/FR wording), ``annex`` (the
neutral document model), ``render`` (DOCX and HTML), ``bag`` (writing them into the export bag).
"""

from .annex import KINDS, Annex, AnnexSet, Block, build_annex, build_annexes
from .bag import FOLDER, add_to_bag
from .form import REQUIRED, TEMPLATE, form_template, form_value, load_form, missing_fields, parse_form
from .providers import (
    ALIASES,
    HANDLE_PLATFORMS,
    NOT_HANDLES,
    PLATFORM_KINDS,
    PROVIDERS,
    Account,
    Provider,
    providers_of,
)
from .render import render_html, write_docx
from .texts import TEXT

__all__ = [
    "ALIASES",
    "FOLDER",
    "HANDLE_PLATFORMS",
    "KINDS",
    "NOT_HANDLES",
    "PLATFORM_KINDS",
    "PROVIDERS",
    "REQUIRED",
    "TEMPLATE",
    "TEXT",
    "Account",
    "Annex",
    "AnnexSet",
    "Block",
    "Provider",
    "add_to_bag",
    "build_annex",
    "build_annexes",
    "form_template",
    "form_value",
    "load_form",
    "missing_fields",
    "parse_form",
    "providers_of",
    "render_html",
    "write_docx",
]
