"""Checksums that tell a real identifier from a look-alike: base58check, bech32/bech32m, Keccak-256
(EIP-55), and IBANs (through python-stdnum, which keeps the registry of country formats).

The wallet checksums are pure functions with no dependencies: a court expert can read every line that
decided whether a string is a wallet address.

>>> base58check_decode("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")[0]
0
>>> bech32_decode_segwit("bc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")[0]
0
>>> eip55("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
'0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
>>> iban_valid("GB82WEST12345698765432")
True
"""

from __future__ import annotations

import hashlib

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58_ALPHABET)}


def base58_decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError(f"{char!r} is not a base58 character")
        number = number * 58 + _B58_INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading = len(text) - len(text.lstrip("1"))
    return b"\0" * leading + body


def base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(B58_ALPHABET[rest])
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + "".join(reversed(out))


def base58check_encode(version: int, payload: bytes) -> str:
    body = bytes([version]) + payload
    return base58_encode(body + hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4])


def base58check_decode(text: str) -> tuple[int, bytes]:
    """(version byte, payload); ValueError when the 4-byte double-SHA-256 checksum does not hold."""
    raw = base58_decode(text)
    if len(raw) < 5:
        raise ValueError("too short for base58check")
    body, check = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] != check:
        raise ValueError("base58check checksum mismatch")
    return body[0], body[1:]


# --- bech32 / bech32m (BIP-173, BIP-350) --------------------------------------------------------
BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3


def _polymod(values: list[int]) -> int:
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            checksum ^= generator[i] if ((top >> i) & 1) else 0
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convertbits(data: list[int], frombits: int, tobits: int, pad: bool) -> list[int]:
    acc = bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for value in data:
        if value < 0 or value >> frombits:
            raise ValueError("invalid value for bit conversion")
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad and bits:
        out.append((acc << (tobits - bits)) & maxv)
    elif not pad and (bits >= frombits or ((acc << (tobits - bits)) & maxv)):
        raise ValueError("invalid padding")
    return out


def bech32_create_checksum(hrp: str, data: list[int], bech32m: bool) -> list[int]:
    const = _BECH32M_CONST if bech32m else _BECH32_CONST
    polymod = _polymod(_hrp_expand(hrp) + data + [0] * 6) ^ const
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]


def bech32_encode_segwit(hrp: str, witver: int, program: bytes) -> str:
    data = [witver] + _convertbits(list(program), 8, 5, True)
    checksum = bech32_create_checksum(hrp, data, bech32m=witver != 0)
    return hrp + "1" + "".join(BECH32_CHARSET[d] for d in data + checksum)


def bech32_decode_segwit(hrp: str, address: str) -> tuple[int, bytes]:
    """(witness version, program) of a segwit address; ValueError unless every BIP-173/350 rule holds."""
    if address.lower() != address and address.upper() != address:
        raise ValueError("mixed case")
    address = address.lower()
    pos = address.rfind("1")
    if pos < 1 or pos + 7 > len(address) or len(address) > 90:
        raise ValueError("bad separator position or length")
    if address[:pos] != hrp:
        raise ValueError("wrong human-readable part")
    try:
        data = [BECH32_CHARSET.index(c) for c in address[pos + 1 :]]
    except ValueError:
        raise ValueError("character outside the bech32 set") from None
    const = _polymod(_hrp_expand(hrp) + data)
    if const not in (_BECH32_CONST, _BECH32M_CONST):
        raise ValueError("bech32 checksum mismatch")
    witver, payload = data[0], data[1:-6]
    program = bytes(_convertbits(payload, 5, 8, False))
    if witver > 16 or not 2 <= len(program) <= 40:
        raise ValueError("bad witness version or program length")
    if witver == 0 and len(program) not in (20, 32):
        raise ValueError("bad v0 program length")
    # BIP-350: version 0 uses bech32, versions 1+ use bech32m.
    if (witver == 0) != (const == _BECH32_CONST):
        raise ValueError("wrong checksum variant for the witness version")
    return witver, program


# --- Keccak-256 (the pre-standard SHA-3 Ethereum uses; hashlib.sha3_256 pads differently) --------
_RC = [
    0x0000000000000001,
    0x0000000000008082,
    0x800000000000808A,
    0x8000000080008000,
    0x000000000000808B,
    0x0000000080000001,
    0x8000000080008081,
    0x8000000000008009,
    0x000000000000008A,
    0x0000000000000088,
    0x0000000080008009,
    0x000000008000000A,
    0x000000008000808B,
    0x800000000000008B,
    0x8000000000008089,
    0x8000000000008003,
    0x8000000000008002,
    0x8000000000000080,
    0x000000000000800A,
    0x800000008000000A,
    0x8000000080008081,
    0x8000000000008080,
    0x0000000080000001,
    0x8000000080008008,
]
_ROT = [
    [0, 36, 3, 41, 18],
    [1, 44, 10, 45, 2],
    [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56],
    [27, 20, 39, 8, 14],
]
_MASK = (1 << 64) - 1


def _keccak_f(state: list[list[int]]) -> None:
    for rc in _RC:
        c = [state[x][0] ^ state[x][1] ^ state[x][2] ^ state[x][3] ^ state[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _MASK) for x in range(5)]
        for x in range(5):
            for y in range(5):
                state[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                r = _ROT[x][y]
                value = state[x][y]
                b[y][(2 * x + 3 * y) % 5] = ((value << r) | (value >> (64 - r))) & _MASK if r else value
        for x in range(5):
            for y in range(5):
                state[x][y] = b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y])
        state[0][0] ^= rc


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum uses it.

    >>> keccak256(b"").hex()[:16]
    'c5d2460186f7233c'
    """
    rate = 136
    padded = bytearray(data) + b"\x01"
    padded += b"\0" * (-len(padded) % rate)
    padded[-1] |= 0x80
    state = [[0] * 5 for _ in range(5)]
    for offset in range(0, len(padded), rate):
        block = padded[offset : offset + rate]
        for i in range(rate // 8):
            state[i % 5][i // 5] ^= int.from_bytes(block[i * 8 : i * 8 + 8], "little")
        _keccak_f(state)
    out = b"".join(state[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
    return out


def eip55(address: str) -> str:
    """The EIP-55 mixed-case checksum form of an Ethereum address."""
    hex_part = address[2:].lower()
    digest = keccak256(hex_part.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(hex_part))


# --- IBAN (ISO 13616, mod-97 per ISO 7064): python-stdnum keeps the registry of country formats -------
def iban_valid(iban: str) -> bool:
    """Country known, length and BBAN format right for the country, mod-97 remainder 1 (and the national
    check digits where stdnum knows them)."""
    from stdnum import iban as stdnum_iban

    iban = iban.replace(" ", "").upper()
    if len(iban) < 5 or not iban.isalnum() or not iban.isascii():
        return False
    return bool(stdnum_iban.is_valid(iban))


def iban_with_check_digits(country: str, bban: str) -> str:
    """Build an IBAN (used by tests to make valid ones)."""
    from stdnum import iban as stdnum_iban

    return f"{country}{stdnum_iban.calc_check_digits(country + '00' + bban)}{bban}"
