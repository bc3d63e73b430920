"""Who holds the data and which account it is: providers, handles and numeric ids from captured URLs;
required form fields; the commented template."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence_kit.errors import InvalidInput
from evidence_kit.export import mla
from evidence_kit.export.mla.providers import _account_of, _linked_accounts


@pytest.mark.parametrize(
    ("url", "provider", "identifiers"),
    [
        ("https://www.instagram.com/star.models/", "instagram.com", [("handle", "@star.models")]),
        (
            "https://m.facebook.com/profile.php?id=100012345678",
            "facebook.com",
            [("numeric id", "100012345678")],
        ),
        ("https://x.com/starmodels_bg/status/1790000000000000000", "x.com", [("handle", "@starmodels_bg")]),
        ("https://t.me/starmodelsjobs", "t.me", [("handle", "@starmodelsjobs")]),
        (
            "https://www.tiktok.com/@star.models.bg/video/7300000000000000000",
            "tiktok.com",
            [("handle", "@star.models.bg")],
        ),
        ("https://www.instagram.com/p/C1abcDEF/", "instagram.com", []),  # a post, not an account name
        ("http://127.0.0.1:8123/ad/17", "127.0.0.1:8123", []),
    ],
)
def test_account_of_finds_provider_and_identifiers(url, provider, identifiers):
    found_provider, key, found = _account_of(url, {})
    assert found_provider == provider
    assert found[0] == ("URL", url)
    assert found[1:] == identifiers


def test_profile_fields_of_a_capture_record_become_identifiers():
    record = {"profile": {"handle": "star.models", "id": "5512345", "display_name": "Star Models"}}
    _, key, found = _account_of("https://www.instagram.com/star.models/", record)
    assert ("numeric id", "5512345") in found and ("display name", "Star Models") in found
    assert key == "instagram.com:id:5512345"


@given(st.dictionaries(st.sampled_from(sorted({f.split(".")[0] for f in mla.REQUIRED})), st.just({})))
def test_missing_fields_lists_every_empty_required_field(partial):
    assert set(mla.missing_fields(partial)) >= set(mla.REQUIRED)


def test_extension_needs_the_previous_reference():
    form = mla.parse_form(mla.form_template())
    form["request"]["type"] = "extension"
    assert "request.previous_reference" in mla.missing_fields(form)
    form["request"]["previous_reference"] = "PR-1"
    assert "request.previous_reference" not in mla.missing_fields(form)


def test_form_parser_accepts_whole_line_comments_only():
    assert mla.parse_form('// note\n{"a": "http://x//y"}\n')["a"] == "http://x//y"
    with pytest.raises(InvalidInput):
        mla.parse_form('{"a": 1} // trailing comments are not JSON')
    with pytest.raises(InvalidInput):
        mla.parse_form("[1, 2]")


def test_both_languages_have_every_text():
    from evidence_kit.export.mla.texts import phrases
    from evidence_kit.export.translate import Translator

    french = Translator("fr")
    assert set(phrases(french)) == set(mla.TEXT["en"]) == set(mla.TEXT["fr"])
    assert french.missing == set()  # every fixed wording has its French in translations/fr.json


def test_accounts_a_page_names_or_links_to_become_accounts_at_their_provider():
    selectors = [
        {"kind": "url", "value": "https://t.me/milano_models_bg"},
        {"kind": "telegram", "value": "@milano_models_bg"},  # the same account, named in the text
        {"kind": "url", "value": "https://wa.me/359881234567"},
        {"kind": "url", "value": "https://www.instagram.com/explore/"},  # a platform page, not an account
        {"kind": "url", "value": "http://127.0.0.1:8000/contact.html"},  # not a known platform
        {"kind": "viber", "value": "+359877654321"},
        {"kind": "email", "value": "recruit@star-models.example"},
    ]
    found = _linked_accounts(selectors)
    keys = [(provider, key) for provider, key, _ in found]
    assert keys == [
        ("t.me", "t.me:@milano_models_bg"),
        ("t.me", "t.me:@milano_models_bg"),
        ("whatsapp.com", "whatsapp.com:+359881234567"),
        ("viber.com", "viber.com:+359877654321"),
    ]
    identifiers = {value for _, _, ids in found for _, value in ids}
    assert {
        "@milano_models_bg",
        "+359881234567",
        "https://wa.me/359881234567",
        "+359877654321",
    } <= identifiers
