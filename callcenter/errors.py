"""Domain errors: each carries a stable id, an HTTP status and per-field messages.

One web middleware turns them into a page or a JSON body ``{error, message, fields}``.
"""

from __future__ import annotations


class DomainError(Exception):
    id = "error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message  # a msgid: translated when shown, then filled with ``params``
        self.fields = fields or {}
        self.params = params or {}


class BadRequest(DomainError):
    """The request itself is malformed (not JSON, wrong shape), before any field is checked."""

    id = "bad_request"
    status = 400


class NotFound(DomainError):
    id = "not_found"
    status = 404


class Forbidden(DomainError):
    id = "forbidden"
    status = 403


class Invalid(DomainError):
    id = "invalid"
    status = 422


class Conflict(DomainError):
    id = "conflict"
    status = 409
