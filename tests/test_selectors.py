"""Selector extraction: realistic ad text in several languages, true negatives, checksums, properties."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evidence_kit.metadata import crypto, public_suffix, selectors
from evidence_kit.metadata.selectors import (
    extract_links,
    extract_text,
    ibans_in,
    normalise_phone,
    phones_in,
    wallets_in,
)


def test_registrable_domains_need_no_network(monkeypatch) -> None:
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the suffix list must come from tldextract's bundled snapshot")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    public_suffix._tree.cache_clear()
    public_suffix.split.cache_clear()
    selectors.registrable_domain.cache_clear()
    assert selectors.registrable_domain("a.b.example.com.bg") == "example.com.bg"


BG_AD = """Търсим момичета за работа като модели в Милано! Заплата 2500-3000 EUR, аванс 1 200 лв.
Обади се: +359 88 123 4567 или 0888 123 456. Viber: 0887 654 321
Офис в Лондон: (0044) 20 7946 0018. Обявата е от 12.03.2026, поръчка № 2026031512.
Telegram: @star_models_bg, Insta: @star.models, пиши на jobs@star-models.example
или info [at] star-models [dot] eu. WhatsApp https://wa.me/359881234567 t.me/starmodels_bg
"""

RO_AD = """Angajăm fete pentru videochat, câștig 5.000 lei/lună. Sună la 0722 123 456 sau scrie pe
WhatsApp +40 722 654 321. Comanda nr. 784512963 din 15/03/2026. Plata: RO49 AAAA 1B31 0075 9384 0000
"""

EN_AD = """Models wanted for Dubai hotel events, $4,500/week. Call 020 7946 0018 (UK) or +44 7911 123456.
Order #88812345, ref 0888123456789, booked 2026-03-15 10:30. Deposit to BTC 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2
or ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed; TRX TJRabPrwbZy45sbavfcjinPJC18kjpRTv8.
IBAN GB82 WEST 1234 5698 7654 32. Follow us on TikTok @dubai.models and X @dubaimodels_hq
"""


def _pairs(found):
    return {(s.kind, s.value) for s in found}


def test_bulgarian_ad_with_region_bg() -> None:
    found = _pairs(extract_text(BG_AD, "BG"))
    assert {
        ("phone", "+359881234567"),
        ("phone", "+359888123456"),
        ("phone", "+359887654321"),
        ("viber", "+359887654321"),
        ("phone", "+442079460018"),
        ("whatsapp", "+359881234567"),
        ("telegram", "@star_models_bg"),
        ("telegram", "@starmodels_bg"),
        ("instagram", "@star.models"),
        ("email", "jobs@star-models.example"),
        ("email", "info@star-models.eu"),
        ("domain", "wa.me"),
        ("url", "https://wa.me/359881234567"),
    } <= found
    phones = {v for k, v in found if k == "phone"}
    # Dates, salaries, prices and the order number are not phones.
    assert phones == {"+359881234567", "+359888123456", "+359887654321", "+442079460018"}


def test_romanian_ad_with_region_ro() -> None:
    found = _pairs(extract_text(RO_AD, "RO"))
    assert {
        ("phone", "+40722123456"),
        ("phone", "+40722654321"),
        ("whatsapp", "+40722654321"),
        ("iban", "RO49AAAA1B31007593840000"),
    } <= found
    assert {v for k, v in found if k == "phone"} == {"+40722123456", "+40722654321"}


def test_english_ad_with_wallets_iban_and_handles() -> None:
    found = _pairs(extract_text(EN_AD, "GB"))
    assert {v for k, v in found if k == "phone"} == {"+442079460018", "+447911123456"}
    assert {
        ("bitcoin", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
        ("ethereum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        ("tron", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"),
        ("iban", "GB82WEST12345698765432"),
        ("tiktok", "@dubai.models"),
        ("x", "@dubaimodels_hq"),
    } <= found


def test_local_numbers_need_the_case_region() -> None:
    assert normalise_phone("0888 123 456", "BG") == "+359888123456"
    assert normalise_phone("(0044) 20 7946 0018", "BG") == "+442079460018"
    assert normalise_phone("0888 123 456", None) is None  # no region: a local number stays unknown
    assert _pairs(extract_text("Обади се на 0888 123 456", None)) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Bitcoin 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",  # last character changed
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr",  # bech32 checksum broken
        "ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # one letter's case flipped: EIP-55 fails
        "TRX TJRabPrwbZy45sbavfcjinPJC18kjpRTv9",
        "Send to 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLx9",  # too long
    ],
)
def test_invalid_wallet_checksums_are_rejected(text: str) -> None:
    assert wallets_in(text) == []


def test_valid_wallets_of_every_kind() -> None:
    text = (
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297 "
        "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359 BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"
    )
    found = _pairs(wallets_in(text))
    assert found == {
        ("bitcoin", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
        ("bitcoin", "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"),
        ("ethereum", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"),  # all-lower: checksummed form
        ("bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
    }


def test_ibans_valid_and_invalid() -> None:
    assert _pairs(ibans_in("IBAN: BG80 BNBG 9661 1020 3456 78.")) == {("iban", "BG80BNBG96611020345678")}
    assert ibans_in("IBAN: BG81 BNBG 9661 1020 3456 78") == []  # check digits wrong
    assert ibans_in("GB82WEST12345698765433") == []
    assert ibans_in("XX82WEST12345698765432") == []  # no such country
    assert ibans_in("DE89370400440532013000123") == []  # runs on past its length


def test_an_iban_must_have_its_countrys_format_not_only_mod97() -> None:
    # Bulgaria's BBAN starts with a four-letter bank code: digits there pass mod-97 but are no IBAN.
    digits = crypto.iban_with_check_digits("BG", "1234" + "123456" + "12345678")
    assert int((digits[4:] + digits[:4]).translate({ord(c): str(int(c, 36)) for c in "BG"})) % 97 == 1
    assert not crypto.iban_valid(digits) and ibans_in(f"IBAN {digits}") == []
    # A country with no hand-written length: Norway's 15 characters, from stdnum's registry.
    assert _pairs(ibans_in("Konto NO93 8601 1117 947, takk")) == {("iban", "NO9386011117947")}


def test_domains_are_registrable_domains() -> None:
    found = _pairs(
        extract_links(
            [
                ("https://jobs.star-models.co.uk/apply", ""),
                ("http://www.bank.com.bg/login", ""),
                ("https://someone.blogspot.com/post", ""),
                ("http://shop.star-models.example/", ""),
            ]
        )
    )
    domains = {value for kind, value in found if kind == "domain"}
    assert domains == {"star-models.co.uk", "bank.com.bg", "someone.blogspot.com", "star-models.example"}


def test_links_name_phones_and_accounts() -> None:
    found = _pairs(
        extract_links(
            [
                ("tel:+359-88-123-4567", "Обади се"),
                ("viber://chat?number=%2B359887654321", ""),
                ("https://api.whatsapp.com/send?phone=359881234567", ""),
                ("https://signal.me/#p/+359881234567", ""),
                ("https://www.instagram.com/star.models/", ""),
                ("https://www.tiktok.com/@starmodels", ""),
                ("https://twitter.com/intent/tweet?text=x", ""),
                ("https://t.me/+AbCdEf123", ""),
                ("https://www.facebook.com/profile.php?id=100012345678", ""),
                ("mailto:a@b.example?subject=x", ""),
            ],
            "BG",
        )
    )
    assert {
        ("phone", "+359881234567"),
        ("viber", "+359887654321"),
        ("whatsapp", "+359881234567"),
        ("signal", "+359881234567"),
        ("instagram", "@star.models"),
        ("tiktok", "@starmodels"),
        ("facebook", "@100012345678"),
        ("email", "a@b.example"),
    } <= found
    assert not any(k == "x" for k, _ in found)  # a share intent is not an account
    assert not any(k == "telegram" for k, _ in found)  # an invite link is not a username


def test_email_is_not_a_handle() -> None:
    found = _pairs(extract_text("write to anna@models.example", None))
    assert found == {("email", "anna@models.example")}


# --- properties -------------------------------------------------------------------------------------
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300),
    st.sampled_from(["BG", "GB", "RO", "DE", None]),
)
def test_any_text_gives_well_formed_selectors(text: str, region: str | None) -> None:
    for selector in extract_text(text, region):
        if selector.kind in ("phone", "whatsapp", "viber", "signal"):
            assert E164.match(selector.value), selector
        if selector.kind == "iban":
            assert crypto.iban_valid(selector.value)


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y г.", "%d-%m-%Y", "%Y%m%d"]),
    st.sampled_from(["BG", "GB", "RO", "DE"]),
)
def test_dates_are_never_phones(day: date, layout: str, region: str) -> None:
    assert phones_in(f"Публикувано на {day.strftime(layout)} в София", region) == []


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=100, max_value=99_999_999),
    st.sampled_from(["{:,} лв", "{:,} EUR", "€{:,}", "${:,}.00", "{:,} lei", "£{:,}"]),
    st.sampled_from(["BG", "GB", "RO"]),
)
def test_prices_are_never_phones(amount: int, layout: str, region: str) -> None:
    price = layout.format(amount).replace(",", " ") if "лв" in layout else layout.format(amount)
    assert phones_in(f"Заплата {price} на месец", region) == []


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=10_000, max_value=999_999_999_999),
    st.sampled_from(["Order #{}", "поръчка № {}", "Invoice no. {}", "Ref: {}", "Comanda nr. {}", "ID {}"]),
    st.sampled_from(["BG", "GB", "RO"]),
)
def test_order_numbers_are_never_phones(number: int, layout: str, region: str) -> None:
    assert phones_in(layout.format(number) + " is confirmed.", region) == []


BBAN_BG = st.tuples(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=4),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8),
)


@settings(max_examples=200, deadline=None)
@given(BBAN_BG, st.integers(min_value=4, max_value=21), st.integers(min_value=1, max_value=9))
def test_iban_single_digit_errors_are_caught(parts, position: int, bump: int) -> None:
    iban = crypto.iban_with_check_digits("BG", "".join(parts))
    assert crypto.iban_valid(iban)
    assert [s.value for s in ibans_in(f"IBAN {iban}")] == [iban]
    assume(iban[position].isdigit())
    wrong = iban[:position] + str((int(iban[position]) + bump) % 10) + iban[position + 1 :]
    assert not crypto.iban_valid(wrong)
    assert ibans_in(f"IBAN {wrong}") == []


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=20, max_size=20), st.sampled_from([0x00, 0x05]), st.data())
def test_base58check_bitcoin_round_trip_and_typos(payload: bytes, version: int, data) -> None:
    address = crypto.base58check_encode(version, payload)
    assert [s.value for s in wallets_in(f"pay {address} now")] == [address]
    position = data.draw(st.integers(min_value=1, max_value=len(address) - 1))
    replacement = data.draw(st.sampled_from(crypto.B58_ALPHABET))
    assume(replacement != address[position])
    typo = address[:position] + replacement + address[position + 1 :]
    assert wallets_in(f"pay {typo} now") == []


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=20, max_size=20), st.data())
def test_tron_round_trip_and_typos(payload: bytes, data) -> None:
    address = crypto.base58check_encode(0x41, payload)
    assert address.startswith("T")
    assert [(s.kind, s.value) for s in wallets_in(address)] == [("tron", address)]
    position = data.draw(st.integers(min_value=1, max_value=len(address) - 1))
    replacement = data.draw(st.sampled_from(crypto.B58_ALPHABET))
    assume(replacement != address[position])
    assert wallets_in(address[:position] + replacement + address[position + 1 :]) == []


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([(0, 20), (0, 32), (1, 32)]), st.data())
def test_bech32_round_trip_and_typos(shape, data) -> None:
    version, length = shape
    program = data.draw(st.binary(min_size=length, max_size=length))
    address = crypto.bech32_encode_segwit("bc", version, program)
    assert [s.value for s in wallets_in(address)] == [address]
    assert [s.value for s in wallets_in(address.upper())] == [address]
    position = data.draw(st.integers(min_value=4, max_value=len(address) - 1))
    replacement = data.draw(st.sampled_from(crypto.BECH32_CHARSET))
    assume(replacement != address[position])
    assert wallets_in(address[:position] + replacement + address[position + 1 :]) == []


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=20, max_size=20), st.data())
def test_eip55_case_flips_are_caught(raw: bytes, data) -> None:
    checksummed = crypto.eip55("0x" + raw.hex())
    assert [s.value for s in wallets_in(checksummed)] == [checksummed]
    assert [s.value for s in wallets_in(checksummed.lower())] == [checksummed]
    letters = [i for i, c in enumerate(checksummed) if i > 1 and c.isalpha()]
    assume(letters)
    i = data.draw(st.sampled_from(letters))
    flipped = checksummed[:i] + checksummed[i].swapcase() + checksummed[i + 1 :]
    assume(flipped.lower() != flipped and flipped.upper()[2:] != flipped[2:])
    assert wallets_in(flipped) == []


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(
        [
            "",
            "http://",
            "https://",
            "tel:",
            "viber://chat?number=",
            "mailto:",
            "https://wa.me/",
            "https://t.me/",
            "https://www.tiktok.com/",
            "https://signal.me/#p/",
            "tg://resolve?domain=",
            "//",
            "www.",
            "viber://",
            "viber://[",
            "tg://[",
            "http://[",
            "https://x.com:",
        ]
    ),
    st.text(max_size=60),
)
def test_any_link_is_read_without_crashing(prefix: str, rest: str) -> None:
    for selector in extract_links([(prefix + rest, rest)], "BG"):
        assert selector.kind in (
            "phone",
            "whatsapp",
            "viber",
            "signal",
            "telegram",
            "instagram",
            "tiktok",
            "x",
            "facebook",
            "email",
            "url",
            "domain",
        )
        if selector.kind in ("phone", "whatsapp", "viber", "signal"):
            assert E164.match(selector.value)
