"""A small authenticated cipher from the standard library, for outbox rows that wait.

`seal` encrypts with a keystream of keyed BLAKE2b blocks (key, nonce, counter), then
authenticates nonce, associated data and ciphertext with HMAC-SHA256 under a second
key derived from the same secret (encrypt-then-MAC). A fresh 16-byte random nonce per
message. The plaintext is padded to a multiple of `PAD` bytes first, so the length of
what is stored says nothing of which option a member chose.

The `cryptography` package is not a dependency of the product (only of test tools), so
this keeps the product's dependencies as they are; BLAKE2b as a keyed PRF and HMAC
are both in hashlib and hmac.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PAD = 512  # plaintext is padded to a multiple of this many bytes
_NONCE, _TAG, _BLOCK = 16, 32, 64


def new_key() -> bytes:
    return secrets.token_bytes(32)


def _keys(key: bytes) -> tuple[bytes, bytes]:
    """Separate keys for the keystream and the tag."""
    enc = hashlib.blake2b(b"enc", key=key, digest_size=32).digest()
    mac = hashlib.blake2b(b"mac", key=key, digest_size=32).digest()
    return enc, mac


def _stream(enc: bytes, nonce: bytes, size: int) -> bytes:
    blocks = (
        hashlib.blake2b(nonce + n.to_bytes(8, "big"), key=enc, digest_size=_BLOCK).digest()
        for n in range(-(-size // _BLOCK))
    )
    return b"".join(blocks)[:size]


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def seal(key: bytes, plaintext: bytes, associated: bytes = b"") -> str:
    """`plaintext`, padded, encrypted and authenticated (bound to `associated`): base64 text."""
    enc, mac = _keys(key)
    # Length first, then zeros: the padding is removed exactly on opening.
    body = len(plaintext).to_bytes(4, "big") + plaintext
    body += bytes(-len(body) % PAD)
    nonce = secrets.token_bytes(_NONCE)
    cipher = _xor(body, _stream(enc, nonce, len(body)))
    tag = hmac.digest(
        mac, nonce + len(associated).to_bytes(4, "big") + associated + cipher, "sha256"
    )
    return base64.b64encode(nonce + cipher + tag).decode("ascii")


def open_sealed(key: bytes, blob: str, associated: bytes = b"") -> bytes | None:
    """The plaintext `seal` was given, or None if `blob` was not sealed by `key` for
    `associated` (a wrong key, a changed row, a blob moved to another row)."""
    try:
        raw = base64.b64decode(blob.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return None
    if len(raw) < _NONCE + _TAG + 4:
        return None
    enc, mac = _keys(key)
    nonce, cipher, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    expected = hmac.digest(
        mac, nonce + len(associated).to_bytes(4, "big") + associated + cipher, "sha256"
    )
    if not hmac.compare_digest(tag, expected):
        return None
    body = _xor(cipher, _stream(enc, nonce, len(cipher)))
    size = int.from_bytes(body[:4], "big")
    return body[4 : 4 + size] if size <= len(body) - 4 else None
