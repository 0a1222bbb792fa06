from __future__ import annotations

from callcenter.errors import Invalid


class ImportInvalid(Invalid):
    """The file cannot be read, or the mapping or policy given for it is wrong."""

    id = "import_invalid"
