"""The package's one exception hierarchy.

Every failure a user can cause is an :class:`AesIdError` with a one-line
message naming what was wrong and, where it helps, a hint saying what to do.
Only the CLI turns these into exit codes and printed lines.
"""

from __future__ import annotations


class AesIdError(Exception):
    """Base of every error AES-ID raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(AesIdError, ValueError):
    """Bad input data: a field, a row, a file, a QR that does not parse."""

    exit_code = 2


class UsageError(AesIdError, ValueError):
    """The caller asked for something that cannot be done (wrong option mix, unknown id)."""

    exit_code = 2


class NotFoundError(AesIdError, LookupError):
    """A NIN, card, key or post that is not in the store."""


class TrustError(AesIdError):
    """A signature, certificate, key or list that cannot be trusted."""


class KeyStoreError(AesIdError):
    """The key store is missing, locked with another passphrase, or damaged."""


class StorageError(AesIdError):
    """The registry or the log could not be read or written."""


class DuplicateError(AesIdError):
    """A biometric or demographic search found a likely earlier enrolment of the same person."""


class ClockError(AesIdError):
    """A desk's clock is too far from the log's (or the database server's): nothing was written."""
