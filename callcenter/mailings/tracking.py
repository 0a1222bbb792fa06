"""Open and click tracking: a letter's links numbered once per mailing, the letter made with
them going through signed redirects and an open pixel, and the hits those record.

A hit answers fast and from any process: one statement, over indexes, no mailing loaded, its
commit not waiting for the disk. A
click is an open too (the pixel is often blocked). The redirect goes only to the URL stored
for the mailing's link, so a token can never send a browser anywhere else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.mailings.letters import Letter, links_of, track_links
from callcenter.mailings.links import click_url, open_url
from callcenter.mailings.models import MailingLink

NUMBERING_TRIES = 3
# a hit's commit does not wait for the disk: a crash may lose the last instant's hits (a
# figure off by a few), never a letter, an order or a redirect; the answer is not held up
NOT_WAITING_FOR_DISK = text("SET LOCAL synchronous_commit TO OFF")

OPEN_HIT = text(
    """
    WITH hit AS (
        INSERT INTO mailing_events (recipient_id, kind, at)
        SELECT id, 'open', COALESCE(CAST(:at AS timestamptz), now())
        FROM mailing_recipients WHERE id = :recipient
        RETURNING recipient_id, at
    ), first AS (
        UPDATE mailing_recipients r SET first_opened_at = hit.at
        FROM hit WHERE r.id = hit.recipient_id AND r.first_opened_at IS NULL
    )
    SELECT count(*) FROM hit
    """
)
CLICK_HIT = text(
    """
    WITH link AS (
        SELECT r.id AS recipient_id, l.id AS link_id, l.url
        FROM mailing_recipients r
        JOIN mailing_links l ON l.mailing_id = r.mailing_id AND l.number = :number
        WHERE r.id = :recipient
    ), hit AS (
        INSERT INTO mailing_events (recipient_id, link_id, kind, at)
        SELECT recipient_id, link_id, 'click', COALESCE(CAST(:at AS timestamptz), now())
        FROM link
        RETURNING recipient_id, at
    ), first AS (
        UPDATE mailing_recipients r
        SET first_clicked_at = COALESCE(r.first_clicked_at, hit.at),
            first_opened_at = COALESCE(r.first_opened_at, hit.at)
        FROM hit WHERE r.id = hit.recipient_id AND r.first_clicked_at IS NULL
    )
    SELECT url FROM link
    """
)


def own_links(base: str) -> tuple[str, ...]:
    """Our own links in a letter, never tracked: the unsubscribe page and the hits."""
    return (f"{base}/u/", f"{base}/m/")


async def number_links(session: AsyncSession, mailing_id: int, urls: list[str]) -> dict[str, int]:
    """Each URL's number in the mailing, new ones stored (numbered after the last). Safe
    against a second writer: a number or URL taken meanwhile is read back and tried again."""
    wanted = list(dict.fromkeys(urls))
    numbers: dict[str, int] = {}
    for _ in range(NUMBERING_TRIES):
        rows = await session.execute(
            select(MailingLink.url, MailingLink.number).where(
                MailingLink.mailing_id == mailing_id, MailingLink.url.in_(wanted)
            )
        )
        numbers.update((url, number) for url, number in rows)
        missing = [url for url in wanted if url not in numbers]
        if not missing:
            break
        last = await session.scalar(
            select(func.coalesce(func.max(MailingLink.number), 0)).where(
                MailingLink.mailing_id == mailing_id
            )
        )
        values = [
            {"mailing_id": mailing_id, "number": (last or 0) + i, "url": url}
            for i, url in enumerate(missing, start=1)
        ]
        await session.execute(pg_insert(MailingLink).values(values).on_conflict_do_nothing())
    return numbers


def tracked_letter(
    letter: Letter,
    *,
    numbers: dict[str, int],
    base: str,
    secret: str,
    mailing_id: int,
    recipient_id: int,
) -> Letter:
    """The recipient's letter with its numbered links and the pixel signed for them."""

    def redirect(url: str) -> str | None:
        number = numbers.get(url)
        if number is None:
            return None
        return click_url(base, secret, mailing_id, recipient_id, number)

    return track_links(
        letter,
        own=own_links(base),
        redirect=redirect,
        pixel=open_url(base, secret, mailing_id, recipient_id),
    )


def urls_to_number(letters: list[Letter], base: str) -> list[str]:
    return [url for letter in letters for url in links_of(letter, own=own_links(base))]


async def record_open(
    session: AsyncSession, *, recipient_id: int, at: datetime | None = None
) -> bool:
    """The pixel was loaded; False when there is no such recipient (any more). Its own
    transaction: the rest of one would not wait for the disk either."""
    await session.execute(NOT_WAITING_FOR_DISK)
    found = await session.scalar(OPEN_HIT, {"recipient": recipient_id, "at": at})
    return bool(found)


async def record_click(
    session: AsyncSession, *, recipient_id: int, number: int, at: datetime | None = None
) -> str | None:
    """The link was clicked: where to send the browser (the mailing's stored URL), or None
    when the recipient or the link is not there. Its own transaction, as ``record_open``."""
    await session.execute(NOT_WAITING_FOR_DISK)
    url: str | None = await session.scalar(
        CLICK_HIT, {"recipient": recipient_id, "number": number, "at": at}
    )
    return url
