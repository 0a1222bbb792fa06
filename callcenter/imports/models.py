"""An import: the uploaded file, how its columns map to fields, and how the run went."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base
from callcenter.i18n import N_

# draft: uploaded, the mapping not yet confirmed; queued -> running -> done | failed
IMPORT_STATES = ("draft", "queued", "running", "done", "failed")


class Import(Base):
    __tablename__ = "imports"
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'queued', 'running', 'done', 'failed')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(20))  # what the rows become: clients, orders...
    state: Mapped[str] = mapped_column(String(10), default="draft")
    stage: Mapped[str] = mapped_column(String(10), default="")  # reading, checking, writing
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent of the whole run
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))  # csv | xlsx
    encoding: Mapped[str] = mapped_column(String(20), default="")
    delimiter: Mapped[str] = mapped_column(String(1), default="")
    headers: Mapped[list[str]] = mapped_column(JSONB, default=list)
    mapping: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)  # column index -> field
    policy: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)  # key -> update|skip|create
    skip_bad_rows: Mapped[bool] = mapped_column(default=False)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    bad_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"line": 7, "errors": {"inn": "INN must have 10 or 12 digits"}, "values": [...]}]
    bad_rows: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]  # a running import's sign of life

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class ImportFile(Base):
    """The uploaded bytes, apart so polling an import never loads them."""

    __tablename__ = "import_files"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)


# shown translated from a variable: states and stages above, the audit's key, nav, kinds
TERMS = (
    N_("draft"),
    N_("queued"),
    N_("running"),
    N_("done"),
    N_("failed"),
    N_("reading"),
    N_("checking"),
    N_("writing"),
    N_("import"),
    N_("Imports"),
    N_("person"),
)
