"""Encryption at rest: answers, jar questions and queued messages are stored as AES-GCM blobs.

A blob is: format byte, 4-byte key id, 12-byte nonce, ciphertext with its 16-byte tag. The key
id lets a host rotate keys: old keys stay readable until `python -m bot rotate-key` has
rewritten every blob with the current key. Format 1 seals the plain bytes; format 2 seals
them deflated, written for partners' words whenever that is shorter (prose of a few lines
shrinks by a quarter to a third; a short line would grow). The format byte is authenticated
with the ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import zlib
from collections.abc import Iterable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.config import decode_key

FORMAT = b"\x01"
DEFLATED = b"\x02"
WORTH_DEFLATING = 48  # shorter texts never come out smaller (the stream has its own overhead)
KEY_ID_BYTES = 4
NONCE_BYTES = 12
HEADER = len(FORMAT) + KEY_ID_BYTES + NONCE_BYTES
# 64 bits of digest: it tells apart the questions of one couple's jar, where a collision
# (odds about 1 in 4·10^13 for a jar of a thousand) would only refuse a question as a duplicate.
INDEX_CHARS = 16


class CryptoError(ValueError):
    """A key is malformed, or a blob was written with a key that is not configured."""


def new_key() -> str:
    """A fresh key in the form HEARTH_ENCRYPTION_KEY takes (url-safe base64 of 32 bytes)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _decode_key(text: str) -> bytes:
    try:
        return decode_key(text)
    except ValueError as error:
        raise CryptoError(str(error)) from None


def key_id(raw: bytes) -> bytes:
    """The 4-byte id stored in front of every blob a key wrote."""
    return hashlib.sha256(b"hearth-key-id" + raw).digest()[:KEY_ID_BYTES]


class Vault:
    """The current key (writes) and older keys (reads only, until rotation is done)."""

    def __init__(self, current: str, older: Iterable[str] = ()) -> None:
        """Keys as url-safe base64 text; `older` are kept readable during a rotation."""
        raw = _decode_key(current)
        self.current_id = key_id(raw)
        self._index_key = _index_key(raw)
        self._ciphers = {self.current_id: AESGCM(raw)}
        self._older_index_keys: list[bytes] = []
        for text in older:
            old = _decode_key(text)
            self._ciphers.setdefault(key_id(old), AESGCM(old))
            self._older_index_keys.append(_index_key(old))

    def encrypt(self, plain: bytes, deflate: bool = True) -> bytes:
        """Seal `plain` with the current key (deflated first where that makes it shorter)."""
        kind, body = FORMAT, plain
        if deflate and len(plain) >= WORTH_DEFLATING:
            deflated = _deflate(plain)
            if len(deflated) < len(plain):
                kind, body = DEFLATED, deflated
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.current_id].encrypt(nonce, body, kind)
        return kind + self.current_id + nonce + sealed

    def decrypt(self, blob: bytes) -> bytes:
        """Open a blob written with any configured key."""
        kind = blob[:1]
        if kind not in (FORMAT, DEFLATED) or len(blob) < HEADER:
            raise CryptoError("not an encrypted value")
        cipher = self._ciphers.get(blob[1 : 1 + KEY_ID_BYTES])
        if cipher is None:
            raise CryptoError(
                "this value was encrypted with a key that is not configured "
                "(set HEARTH_OLD_ENCRYPTION_KEYS to the previous key)"
            )
        nonce = blob[1 + KEY_ID_BYTES : HEADER]
        body = cipher.decrypt(nonce, blob[HEADER:], kind)
        return zlib.decompress(body, -zlib.MAX_WBITS) if kind == DEFLATED else body

    def is_current(self, blob: bytes) -> bool:
        """The blob was written with the current key (rotation can skip it)."""
        return blob[1 : 1 + KEY_ID_BYTES] == self.current_id

    def index(self, text: str, chars: int = INDEX_CHARS) -> str:
        """A keyed digest of `text`, for equality lookups without storing the text itself."""
        return _digest(self._index_key, text, chars)

    def indexes(self, text: str, chars: int = INDEX_CHARS) -> list[str]:
        """The digest of `text` under every configured key, the current one first: during a
        rotation a stored digest may still be an older key's."""
        keys = [self._index_key, *self._older_index_keys]
        return [_digest(key, text, chars) for key in keys]


def _index_key(raw: bytes) -> bytes:
    return hmac.new(raw, b"hearth-index", hashlib.sha256).digest()


def _digest(key: bytes, text: str, chars: int) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:chars]


def _deflate(plain: bytes) -> bytes:
    # Raw deflate: no zlib header or checksum, the AEAD tag already guards the bytes. A 4 KB
    # window and small hash tables: what a message holds, at a tenth of the default set-up
    # cost (~130 µs, most of it clearing tables a few lines never use).
    packer = zlib.compressobj(9, zlib.DEFLATED, -12, 4)
    return packer.compress(plain) + packer.flush()


_vault: Vault | None = None


def configure(vault: Vault) -> None:
    """Install the process's vault (done once at start-up, before any database access)."""
    global _vault
    _vault = vault


def vault() -> Vault:
    """The process's vault; encrypted columns cannot be read or written without one."""
    if _vault is None:
        raise CryptoError("no encryption key is configured (HEARTH_ENCRYPTION_KEY)")
    return _vault
