"""What a user submits for feedback, and its validation."""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.errors import Invalid
from callcenter.feedback.models import FEEDBACK_KINDS, FEEDBACK_STATUSES, SCORE_SCALES
from callcenter.i18n import N_

MAX_TEXT = 10_000


class FeedbackInvalid(Invalid):
    id = "feedback_invalid"


@dataclass
class FeedbackInput:
    kind: str = "complaint"
    client_id: int | None = None
    call_id: int | None = None
    order_id: int | None = None
    owner_id: int | None = None
    text: str = ""
    status: str = "new"
    resolution: str = ""
    score_scale: str = ""  # "", "rating" (1-5) or "nps" (0-10)
    score: str = ""  # as typed, so a bad one is shown back


@dataclass
class CleanFeedback:
    kind: str
    client_id: int | None  # None only while the order names it
    call_id: int | None
    order_id: int | None
    owner_id: int | None
    text: str
    status: str
    resolution: str
    score_scale: str | None
    score: int | None


def _score(data: FeedbackInput, errors: dict[str, str]) -> tuple[str | None, int | None]:
    scale, raw = data.score_scale.strip(), data.score.strip()
    if not scale and not raw:
        return None, None
    if scale not in SCORE_SCALES:
        errors["score_scale"] = N_("Choose the scale: a rating of 1 to 5, or NPS 0 to 10")
        return None, None
    low, high = SCORE_SCALES[scale]
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        errors["score"] = (
            N_("A rating is a whole number from 1 to 5")
            if scale == "rating"
            else N_("An NPS answer is a whole number from 0 to 10")
        )
        return None, None
    return scale, int(raw)


def validate_feedback(data: FeedbackInput) -> CleanFeedback:
    errors: dict[str, str] = {}
    if data.kind not in FEEDBACK_KINDS:
        errors["kind"] = N_("Choose a complaint, a review or a suggestion")
    if data.status not in FEEDBACK_STATUSES:
        errors["status"] = N_("Choose the status")
    text, resolution = data.text.strip(), data.resolution.strip()
    if not text:
        errors["text"] = N_("Write down what the client said")
    elif len(text) > MAX_TEXT:
        errors["text"] = N_("The text is too long")
    if data.status == "resolved" and not resolution:
        errors["resolution"] = N_("Say how it was resolved")
    elif len(resolution) > MAX_TEXT:
        errors["resolution"] = N_("The text is too long")
    if data.client_id is None and data.order_id is None:
        errors["client_id"] = N_("Choose the client")
    scale, score = _score(data, errors)
    if errors:
        raise FeedbackInvalid(N_("Please correct the marked fields"), fields=errors)
    return CleanFeedback(
        kind=data.kind,
        client_id=data.client_id,
        call_id=data.call_id,
        order_id=data.order_id,
        owner_id=data.owner_id,
        text=text,
        status=data.status,
        resolution=resolution,
        score_scale=scale,
        score=score,
    )
