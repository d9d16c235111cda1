"""Password hashing with argon2 (argon2-cffi): hash on write, constant-time verify,
rehash when the parameters changed. Clear passwords are never stored or logged."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (with its own random salt)."""
    if not isinstance(password, str) or not password:
        raise ValueError("a password must be a non-empty text")
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches `stored_hash` (constant time; False for no hash)."""
    if not stored_hash or not password:
        # Spend the same time as a real check, so timing does not tell which users exist.
        with contextlib.suppress(VerificationError, InvalidHashError):
            _HASHER.verify(_DUMMY_HASH, password or "x")
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when `stored_hash` was made with other parameters than the current ones."""
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


_DUMMY_HASH = _HASHER.hash("tessera-dummy-password")
