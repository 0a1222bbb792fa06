from __future__ import annotations

from callcenter.errors import DomainError, Invalid


class LoginFailed(DomainError):
    id = "login_failed"
    status = 401


class UserInvalid(Invalid):
    id = "user_invalid"
