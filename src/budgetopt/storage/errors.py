"""Errors of the storage layer."""

from __future__ import annotations


class StorageError(Exception):
    """A request the stored records cannot satisfy."""


class NotFound(StorageError):
    """No such record in the caller's region."""


class Conflict(StorageError):
    """The record's state does not allow the change."""


class IdempotencyMismatch(Conflict):
    """An ``Idempotency-Key`` already used with another request body."""
