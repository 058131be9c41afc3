"""Authenticated encryption of clinical text at rest (AES-256-GCM from ``cryptography``).

Stored form: ``version (1 byte) | nonce (12 bytes) | ciphertext+tag``. The associated data is the
table and column (``records.session.transcript``), so a ciphertext copied into another column
fails to decrypt instead of being shown in the wrong place. GCM's tag makes any change to the
stored bytes an error, never silently altered text.
"""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mentalize.errors import MentalizeError

FORMAT_VERSION = 1
NONCE_BYTES = 12


class DecryptionError(MentalizeError):
    """Stored bytes that do not decrypt under this key (wrong key file, or tampering)."""


class Cipher:
    """AES-GCM over text, bound to a context string (the column it is stored in)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, text: str, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, text.encode("utf-8"), context.encode("ascii"))
        return bytes([FORMAT_VERSION]) + nonce + sealed

    def decrypt(self, blob: bytes, context: str) -> str:
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != FORMAT_VERSION:
            raise DecryptionError(f"{context}: stored value is not in the expected format")
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            plain = self._aead.decrypt(nonce, sealed, context.encode("ascii"))
        except InvalidTag:
            raise DecryptionError(
                f"{context}: stored value does not decrypt with this key file "
                "(wrong encryption.key, or the database was altered)"
            ) from None
        return plain.decode("utf-8")


@lru_cache(maxsize=4)
def _cipher_for(key: bytes) -> Cipher:
    return Cipher(key)


def cipher() -> Cipher:
    """The cipher for the configured data directory's key (read once per process)."""
    from django.conf import settings

    return _cipher_for(settings.MENTALIZE_ENCRYPTION_KEY)
