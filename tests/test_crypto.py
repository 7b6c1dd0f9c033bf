"""Sealed blobs: prose is deflated before sealing, short text is not, and both formats (and
blobs written before deflating existed) open again; the format byte cannot be changed."""

from __future__ import annotations

import os

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.config import decode_key
from bot.core import crypto
from bot.simulation.world import FAKE_KEY

PROSE = (
    "Finishing the shelf together on Sunday felt like building something that was ours, "
    "and when you handed me the last screw without my asking, I knew you had been watching "
    "how I work. I loved that you laughed when it wobbled instead of sighing."
)


def test_prose_is_sealed_deflated_and_opens_to_the_same_words() -> None:
    vault = crypto.Vault(FAKE_KEY)
    blob = vault.encrypt(PROSE.encode())
    assert blob[:1] == crypto.DEFLATED
    assert len(blob) < len(PROSE) + crypto.HEADER + 16, "deflating made it no smaller"
    assert vault.decrypt(blob).decode() == PROSE


def test_short_or_incompressible_text_is_sealed_as_it_is() -> None:
    vault = crypto.Vault(FAKE_KEY)
    for plain in ("Yes 💛".encode(), os.urandom(200)):
        blob = vault.encrypt(plain)
        assert blob[:1] == crypto.FORMAT
        assert len(blob) == len(plain) + crypto.HEADER + 16
        assert vault.decrypt(blob) == plain


def test_a_blob_sealed_before_deflating_existed_still_opens() -> None:
    vault = crypto.Vault(FAKE_KEY)
    raw = decode_key(FAKE_KEY)
    nonce = os.urandom(crypto.NONCE_BYTES)
    sealed = AESGCM(raw).encrypt(nonce, PROSE.encode(), crypto.FORMAT)
    old = crypto.FORMAT + crypto.key_id(raw) + nonce + sealed
    assert vault.decrypt(old).decode() == PROSE


def test_the_format_byte_is_authenticated() -> None:
    vault = crypto.Vault(FAKE_KEY)
    blob = vault.encrypt(PROSE.encode())
    with pytest.raises(InvalidTag):
        vault.decrypt(crypto.FORMAT + blob[1:])
    with pytest.raises(crypto.CryptoError):
        vault.decrypt(b"\x03" + blob[1:])
