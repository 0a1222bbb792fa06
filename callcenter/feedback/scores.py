"""Scores from feedback, as reports read them: Net Promoter Score and the average rating.

NPS: of the clients' answers 0-10, promoters answered 9 or 10 and detractors 0 to 6; the score
is the percentage of promoters minus the percentage of detractors, from -100 to 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.feedback.models import Feedback


@dataclass(frozen=True)
class Scores:
    nps_answers: int
    promoters: int
    passives: int
    detractors: int
    ratings: int
    rating_total: int

    @property
    def nps(self) -> float | None:
        if not self.nps_answers:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.nps_answers

    @property
    def average_rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


async def feedback_scores(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    owner_id: int | None = None,
) -> Scores:
    """The scores of feedback recorded in [since, until), for one owner or everyone."""
    nps, rating = Feedback.score_scale == "nps", Feedback.score_scale == "rating"
    stmt = select(
        func.count().filter(nps),
        func.count().filter(nps, Feedback.score >= 9),
        func.count().filter(nps, Feedback.score.between(7, 8)),
        func.count().filter(nps, Feedback.score <= 6),
        func.count().filter(rating),
        func.coalesce(func.sum(Feedback.score).filter(rating), 0),
    ).where(Feedback.created_at >= since, Feedback.created_at < until)
    if owner_id is not None:
        stmt = stmt.where(Feedback.owner_id == owner_id)
    row = (await session.execute(stmt)).one()
    return Scores(*(int(v) for v in row))
