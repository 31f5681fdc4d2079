"""Errors of the trust core. None of them carries key material or plaintext."""


class CryptoError(Exception):
    """Base class: something cryptographic was refused."""


class IntegrityError(CryptoError):
    """Ciphertext, tag, chunk order or signature did not verify: nothing was released."""


class KeyMaterialError(CryptoError):
    """A key is malformed, of the wrong kind, or cannot be unlocked."""


class PurposeError(CryptoError):
    """A signed message was made for another purpose than the one being checked."""
