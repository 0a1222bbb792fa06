from __future__ import annotations

from typing import TYPE_CHECKING

from callcenter.errors import DomainError, Invalid
from callcenter.i18n import N_

if TYPE_CHECKING:
    from callcenter.users.models import User


class LoginFailed(DomainError):
    id = "login_failed"
    status = 401


class UserInvalid(Invalid):
    id = "user_invalid"


# the one thing said wherever calling is offered to someone with no extension (click-to-call,
# the workspace, campaign calls): what is missing and who can fix it
NO_EXTENSION = N_("You have no extension yet: an admin sets it on your user's page in Users")


class NoExtension(Invalid):
    """Calling needs the user's own phone: their extension."""

    id = "no_extension"


def require_extension(user: User) -> str:
    """The user's extension, or the one clear error every calling surface shows."""
    if not user.extension:
        raise NoExtension(NO_EXTENSION)
    return user.extension
