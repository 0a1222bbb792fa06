"""A mailing's e-mail written straight as the bytes SMTP carries.

``letters.build_email`` makes an ``EmailMessage`` under the standard library's modern policy,
which parses every header it is given and serializes the whole tree again when sent: about
20 ms a letter on this machine, most of a sending run. A mailing's letters all have one
shape (the same headers, a plain-text part and maybe an HTML one), so here that shape is
written directly: ASCII headers as they are, a subject with any other character as RFC 2047
encoded words (``email.header``), each part in base64 (or 7bit when it is short-lined
ASCII), CRLF line ends. The result parses to the same message as ``build_email``'s (a test
holds them side by side). An address or sender that is not ASCII needs SMTPUTF8, which
only the standard path negotiates: ``wire_email`` answers None for those.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, make_msgid, parseaddr

from callcenter.mail.service import one_line
from callcenter.mailings.letters import Letter

CRLF = "\r\n"
MAX_7BIT_LINE = 78
MAX_WORD = 66  # an ASCII word of a subject that still fits a folded line


@dataclass(frozen=True)
class Wire:
    """An e-mail ready for ``SMTP.sendmail``: the envelope and the message's bytes."""

    sender: str  # the envelope's MAIL FROM
    to: str
    data: bytes


def _subject(text: str) -> str:
    text = one_line(text)  # a line break would start a header of the template's choosing
    # plain ASCII folds at its spaces; a word too long to fit a line goes as encoded words
    plain = text.isascii() and all(len(word) <= MAX_WORD for word in text.split())
    charset = "us-ascii" if plain else "utf-8"
    return Header(text, charset, header_name="Subject").encode(linesep=CRLF)


def _part(content_type: str, text: str) -> str:
    """One text part: its headers, a blank line and its body, CRLF throughout; its lines as
    the standard library splits them, the last one ended."""
    lines = text.encode().splitlines()
    if text.isascii() and all(len(line) <= MAX_7BIT_LINE for line in lines):
        body, encoding = b"\r\n".join(lines).decode("ascii") + CRLF, "7bit"
    else:
        encoded = base64.encodebytes(b"\n".join(lines) + b"\n").decode("ascii")
        body, encoding = encoded.replace("\n", CRLF), "base64"
    return (
        f'Content-Type: {content_type}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: {encoding}{CRLF}{CRLF}{body}"
    )


def wire_email(
    letter: Letter, *, sender: str, to: str, unsubscribe: str, mailing_id: int
) -> Wire | None:
    """The letter as ``build_email`` would make it, as bytes; None when it needs SMTPUTF8."""
    to = one_line(to)
    if not (sender.isascii() and to.isascii() and unsubscribe.isascii()):
        return None
    domain = sender.rpartition("@")[2].rstrip(">") or "localhost"
    headers = [
        f"From: {one_line(sender)}",
        f"To: {to}",
        f"Subject: {_subject(letter.subject)}",
        f"Date: {formatdate(usegmt=True)}",
        f"Message-ID: {make_msgid(domain=domain)}",
        f"List-Unsubscribe: <{one_line(unsubscribe)}>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        f"List-Id: <mailing-{mailing_id}.{domain}>",
        "Precedence: bulk",
        "MIME-Version: 1.0",
    ]
    plain = _part("text/plain", letter.text or " ")
    if letter.html.strip():
        boundary = f"==={secrets.token_hex(16)}=="  # never in base64 nor in 7bit lines
        body = (
            f'Content-Type: multipart/alternative; boundary="{boundary}"{CRLF}{CRLF}'
            f"--{boundary}{CRLF}{plain}{CRLF}--{boundary}{CRLF}{_part('text/html', letter.html)}"
            f"{CRLF}--{boundary}--{CRLF}"
        )
    else:
        body = plain
    data = (CRLF.join(headers) + CRLF + body).encode("ascii")
    return Wire(parseaddr(sender)[1] or sender, to, data)
