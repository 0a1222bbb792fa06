"""The status pipeline: which moves an order may make.

- ``open`` stages run forward by position. An order may move to any later stage, skipping
  some (goods from stock go from «accepted» straight to «shipped»); each skipped stage then
  simply has no time in the history. It never moves back: a mistake is corrected by
  cancelling and taking a new order, so the history stays what really happened.
- A ``final`` stage ends the order fulfilled; a ``cancel`` stage (cancelled, refused) ends it
  unfulfilled, is reachable from any open stage and needs a reason.
- Nothing leaves a final or a cancel stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from callcenter.errors import Conflict, Invalid
from callcenter.i18n import N_
from callcenter.orders.models import OrderStatus


class MoveRefused(Conflict):
    id = "status_move_refused"


class AlreadyInStatus(MoveRefused):
    """The order has the status asked for: a repeated click (the first one moved it)."""


class ReasonRequired(Invalid):
    id = "reason_required"


@dataclass(frozen=True)
class Move:
    to: OrderStatus
    needs_reason: bool


def ordered(statuses: Sequence[OrderStatus]) -> list[OrderStatus]:
    return sorted(statuses, key=lambda s: (s.position, s.id))


def first_stage(statuses: Sequence[OrderStatus]) -> OrderStatus | None:
    """Where a new order starts: the first open stage."""
    return next((s for s in ordered(statuses) if s.kind == "open"), None)


def allowed_moves(current: OrderStatus, statuses: Sequence[OrderStatus]) -> list[Move]:
    """Every stage ``current`` may move to, forward ones first, then the cancel stages."""
    if current.kind != "open":
        return []
    later = [
        Move(s, needs_reason=False)
        for s in ordered(statuses)
        if s.kind != "cancel"
        and s.id != current.id
        and (s.position, s.id) > (current.position, current.id)
    ]
    cancels = [Move(s, needs_reason=True) for s in ordered(statuses) if s.kind == "cancel"]
    return later + cancels


def check_move(
    current: OrderStatus, target: OrderStatus, statuses: Sequence[OrderStatus], reason: str
) -> str:
    """The cleaned reason, or why the move is refused."""
    if current.id == target.id:
        raise AlreadyInStatus(N_("The order already has this status"))
    if current.kind != "open":
        raise MoveRefused(N_("A closed order does not change its status"))
    move = next((m for m in allowed_moves(current, statuses) if m.to.id == target.id), None)
    if move is None:
        raise MoveRefused(N_("An order moves only forward along the pipeline"))
    reason = " ".join(reason.split())
    if move.needs_reason and not reason:
        raise ReasonRequired(
            N_("Please give a reason"), fields={"reason": N_("A reason is required")}
        )
    if len(reason) > 1000:
        raise ReasonRequired(N_("Please give a reason"), fields={"reason": N_("Too long")})
    return reason
