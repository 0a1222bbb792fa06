"""Matching a file's headers to a target's fields, and checking the mapping a user confirms."""

from __future__ import annotations

from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.targets import Cells, Field, norm_header

Mapping = dict[str, str]  # column index (as text, for JSON) -> field key


def _field_for(header: str, fields: tuple[Field, ...]) -> Field | None:
    name = norm_header(header)
    if not name:
        return None
    for candidate in fields:
        if name in candidate.names():
            return candidate
    # "Телефон 2", "E-mail (рабочий)": the header begins with a field's name
    best: tuple[int, Field] | None = None
    for candidate in fields:
        for synonym in candidate.names():
            if name.startswith(synonym + " ") and (best is None or len(synonym) > best[0]):
                best = (len(synonym), candidate)
    return best[1] if best else None


def match_headers(headers: list[str], fields: tuple[Field, ...]) -> Mapping:
    """A first guess; a single-value field goes to its first matching column only."""
    mapping: Mapping = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        found = _field_for(header, fields)
        if found is None or (found.key in taken and not found.multiple):
            continue
        taken.add(found.key)
        mapping[str(index)] = found.key
    return mapping


def check_mapping(mapping: Mapping, headers: list[str], fields: tuple[Field, ...]) -> Mapping:
    """Keep the columns mapped to a field; refuse unknown fields and a field chosen twice."""
    by_key = {f.key: f for f in fields}
    clean: Mapping = {}
    errors: dict[str, str] = {}
    seen: dict[str, str] = {}
    for column, key in mapping.items():
        if not key:
            continue
        if not column.isdigit() or int(column) >= len(headers):
            raise ImportInvalid(N_("The mapping names a column the file does not have"))
        if key not in by_key:
            errors[f"column.{column}"] = N_("Unknown field")
            continue
        if key in seen and not by_key[key].multiple:
            errors[f"column.{column}"] = N_("This field is already chosen for another column")
            continue
        seen[key] = column
        clean[column] = key
    if errors:
        raise ImportInvalid(N_("Please correct the marked fields"), fields=errors)
    if not clean:
        raise ImportInvalid(N_("Choose the field for at least one column"))
    return clean


def cells_of(row: list[str], headers: list[str], mapping: Mapping) -> Cells:
    cells: Cells = {}
    for column, key in mapping.items():
        index = int(column)
        text = row[index] if index < len(row) else ""
        header = headers[index] if index < len(headers) else column
        cells.setdefault(key, []).append((header, text))
    return cells
