"""What an API handler says of itself, beside the code: ``@described(...)``.

The router gives the method, the path and its parameters; the access decorator gives who may
call; the docstring gives the summary. What only the handler knows (the query it reads, the
body it takes, what it answers and which errors beyond the common ones) it declares here, so
the description moves with the code it describes. JSON Schema pieces used by many handlers
are below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from callcenter.limits import INT32_MAX, MAX_PAGE

H = TypeVar("H", bound=Callable[..., Any])
DESCRIPTION = "__openapi__"
JSON = "application/json"
Schema = dict[str, Any]


@dataclass(frozen=True)
class Description:
    ok: tuple[int, ...] = ()  # success statuses; none given: by the method (see ``spec``)
    response: Schema | None = None  # the success body's schema (None: any JSON)
    content: tuple[str, ...] = (JSON,)  # the success body's media types
    body: Schema | None = None  # the JSON request body's schema (None: takes no body)
    body_required: bool = True
    query: tuple[Schema, ...] = ()  # OpenAPI parameter objects (``in: query``)
    errors: tuple[int, ...] = ()  # statuses beyond the ones every API route may answer
    tag: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def described(
    *,
    ok: int | Iterable[int] = (),
    response: Schema | None = None,
    content: Iterable[str] = (JSON,),
    body: Schema | None = None,
    body_required: bool = True,
    query: Iterable[Schema] = (),
    errors: Iterable[int] = (),
    tag: str | None = None,
) -> Callable[[H], H]:
    """Attach the handler's own part of its OpenAPI operation."""
    description = Description(
        ok=(ok,) if isinstance(ok, int) else tuple(ok),
        response=response,
        content=tuple(content),
        body=body,
        body_required=body_required,
        query=tuple(query),
        errors=tuple(errors),
        tag=tag,
    )

    def mark(handler: H) -> H:
        setattr(handler, DESCRIPTION, description)
        return handler

    return mark


def description_of(handler: Any) -> Description:
    handler = getattr(handler, "__func__", handler)
    found = getattr(handler, DESCRIPTION, None)
    return found if isinstance(found, Description) else Description()


# -- pieces of JSON Schema ------------------------------------------------------------------

ID: Schema = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
TEXT: Schema = {"type": "string"}
MOMENT: Schema = {"type": "string", "format": "date-time"}
DAY: Schema = {"type": "string", "format": "date"}
MONEY: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "decimal"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: Iterable[str] = (), **properties: Schema) -> Schema:
    """An object with these properties (more may follow: answers grow, clients must cope)."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def ref(label: str = "name") -> Schema:
    """Another thing named by id: ``{"id": 1, "name": "..."}`` or null."""
    return nullable(obj(("id",), id=ID, **{label: TEXT}))


def listing(item: Schema) -> Schema:
    """One page of a list: what ``web.api.lists.list_response`` answers."""
    return obj(
        ("items", "total", "page", "per_page"),
        items={"type": "array", "items": item},
        total={"type": "integer", "minimum": 0},
        page={"type": "integer", "minimum": 1},
        per_page={"type": "integer", "minimum": 1},
    )


def param(name: str, schema: Schema, description: str = "") -> Schema:
    found: Schema = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        found["description"] = description
    return found


PAGING: tuple[Schema, ...] = (
    param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    param("per_page", {"type": "integer", "minimum": 1, "maximum": 500}),
)
SEARCH = param("q", TEXT, "words, a number or part of one")
FILE_FORMAT = param("format", {"enum": ["xlsx", "csv"]}, "xlsx unless given")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = (XLSX, "text/csv")
