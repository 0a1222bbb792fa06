"""What an API handler says of itself, beside the code: ``@described(...)``.

The router gives the method, the path and its parameters; the access decorator gives who may
call; the docstring gives the summary. What only the handler knows (the query it reads, the
body it takes, what it answers and which errors beyond the common ones) it declares here, so
the description moves with the code it describes. JSON Schema pieces used by many handlers
are below.

Every operation that takes a body says so (``body=`` its schema), and every POST, PUT and
PATCH that takes none says that too (``body=NO_BODY``), so a handler added without saying
what it reads is caught by ``tests/web/test_openapi.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from callcenter.limits import INT32_MAX, MAX_PAGE

H = TypeVar("H", bound=Callable[..., Any])
NO_BODY: dict[str, Any] = {}  # ``body=NO_BODY``: this POST/PUT/PATCH reads no body at all
DESCRIPTION = "__openapi__"
JSON = "application/json"
Schema = dict[str, Any]


@dataclass(frozen=True)
class Description:
    ok: tuple[int, ...] = ()  # success statuses; none given: by the method (see ``spec``)
    response: Schema | None = None  # the success body's schema (None: any JSON)
    content: tuple[str, ...] = (JSON,)  # the success body's media types
    body: Schema | None = None  # the JSON request body's schema (None: takes no body)
    body_said: bool = False  # whether ``body`` was given (a schema or ``NO_BODY``)
    body_required: bool = True
    media: str = JSON  # the request body's media type (an upload: multipart/form-data)
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
    media: str = JSON,
    query: Iterable[Schema] = (),
    errors: Iterable[int] = (),
    tag: str | None = None,
) -> Callable[[H], H]:
    """Attach the handler's own part of its OpenAPI operation."""
    description = Description(
        ok=(ok,) if isinstance(ok, int) else tuple(ok),
        response=response,
        content=tuple(content),
        body=body if body is not NO_BODY else None,
        body_said=body is not None,
        body_required=body_required,
        media=media,
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


def is_described(handler: Any) -> bool:
    """Whether the handler carries its own ``@described`` (not the default)."""
    return isinstance(
        getattr(getattr(handler, "__func__", handler), DESCRIPTION, None), Description
    )


# -- pieces of JSON Schema ------------------------------------------------------------------

ID: Schema = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
TEXT: Schema = {"type": "string"}
MOMENT: Schema = {"type": "string", "format": "date-time"}
DAY: Schema = {"type": "string", "format": "date"}
MONEY: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "decimal"}
MONEY_IN: Schema = {"anyOf": [MONEY, {"type": "number"}], "description": "decimal"}
COUNT: Schema = {"type": "integer", "minimum": 0}
NUMBER: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
UPLOAD = "multipart/form-data"
FILE: Schema = {"type": "string", "format": "binary"}
CLOCK: Schema = {"type": "string", "pattern": r"^\d{2}:\d{2}$", "description": "HH:MM"}
MONTH: Schema = {"type": "string", "pattern": r"^\d{4}-\d{2}$", "description": "YYYY-MM"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: Iterable[str] = (), **properties: Schema) -> Schema:
    """An object with these properties (more may follow: answers grow, clients must cope)."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def array(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def fields(texts: Iterable[str] = (), refs: Iterable[str] = (), **more: Schema) -> Schema:
    """A body of the handler's own field lists: text fields (a string, null for none) and
    references by id (null for none), and ``more``; every key optional."""
    return obj(
        **{name: nullable(TEXT) for name in texts},
        **{name: nullable(ID) for name in refs},
        **more,
    )


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


def items(item: Schema, **more: Schema) -> Schema:
    """A whole list in one answer: ``{"items": [...]}``."""
    return obj(("items",), items=array(item), **more)


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
STATE = param("state", TEXT, "only those in this state")
ERROR: Schema = {  # every error of every route: ``web.errors.error_body``
    "type": "object",
    "required": ["error", "message", "fields"],
    "properties": {
        "error": {"type": "string", "description": "a stable id"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
QUEUED: Schema = obj(("command_id", "state"), command_id=ID, command=TEXT, state=TEXT)
FILE_FORMAT = param("format", {"enum": ["xlsx", "csv"]}, "xlsx unless given")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = (XLSX, "text/csv")
