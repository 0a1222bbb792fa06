"""Status e-mails: the admin's template per status, with placeholders filled in safely.

A placeholder is a bare name in braces, ``{number}``; nothing else is evaluated (no
attributes, indexes or format specs), so a template can never reach into the program.
``{{`` and ``}}`` give literal braces. The e-mail is plain text: values go in as they are.
"""

from __future__ import annotations

import re

from callcenter.i18n import N_

PLACEHOLDERS: dict[str, str] = {
    "number": N_("order number"),
    "client": N_("client's name"),
    "status": N_("the new status"),
    "previous_status": N_("the status before"),
    "total": N_("order total"),
    "deadline": N_("the stage's deadline"),
    "reason": N_("the reason given"),
    "manager": N_("the manager's name"),
    "date": N_("order date"),
}
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def unknown_placeholders(template: str) -> list[str]:
    """Names in braces that are not placeholders (a typo the admin should hear about)."""
    return [
        m.group(1)
        for m in _TOKEN.finditer(template)
        if m.group(1) is not None and m.group(1) not in PLACEHOLDERS
    ]


def render(template: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return values.get(match.group(1) or "", token)

    return _TOKEN.sub(replace, template)
