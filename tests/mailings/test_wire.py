"""A mailing's e-mail written straight as bytes parses to the same message as the standard
library's: the same headers, parts and texts, whatever the letter holds."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import pytest

from callcenter.mailings.letters import Letter, build_email
from callcenter.mailings.wire import wire_email

HEADERS = ("From", "To", "List-Unsubscribe", "List-Unsubscribe-Post", "Precedence")
LETTERS = [  # subjects as rendering leaves them: on one line, ends trimmed
    Letter("Hi", "<p>Hi</p>", "Hi"),
    Letter("Скидки для Клиент 1 — только сегодня!", "<p>Здравствуйте</p>", "Здравствуйте,\nмир"),
    Letter("x" * 300, "", "no html part at all"),
    Letter(
        ("Очень " * 40).strip(), "<b>" + "ж" * 5000 + "</b>", "line\r\n.starts with a dot\n..two\n"
    ),
    Letter("", "   ", ""),  # an empty text is one space, as the standard path writes it
    Letter("a " + "y" * 70 + " b", "<p>a</p>", "a" * 200 + "\n" + "b" * 78),
    Letter("emoji 🎉 & <tags>", "<p>🎉</p>", "🎉 " * 30),
]


def _parsed(message: Any) -> Any:
    return message_from_bytes(message, policy=policy.default)


def _content(message: Any) -> list[tuple[str, str]]:
    parts = list(message.iter_parts()) if message.is_multipart() else [message]
    return [(p.get_content_type(), p.get_content().replace("\r\n", "\n")) for p in parts]


@pytest.mark.parametrize("letter", LETTERS)
@pytest.mark.parametrize("sender", ["shop@example.ru", "Shop Team <shop@example.ru>"])
def test_the_written_email_parses_to_what_the_standard_library_makes(
    letter: Letter, sender: str
) -> None:
    link = "https://crm.example.ru/u/7.abc"
    fields: dict[str, Any] = {"sender": sender, "to": "anna@example.ru", "unsubscribe": link,
                              "mailing_id": 7}  # fmt: skip
    wire = wire_email(letter, **fields)
    assert wire is not None and wire.to == "anna@example.ru" and wire.sender == "shop@example.ru"
    assert (
        wire.data.isascii()
        and b"\r\n" in wire.data
        and b"\n" not in wire.data.replace(b"\r\n", b"")
    )
    assert all(len(line) <= 998 for line in wire.data.split(b"\r\n"))
    ours, theirs = _parsed(wire.data), _parsed(build_email(letter, **fields).as_bytes())
    assert [str(ours[h]) for h in HEADERS] == [str(theirs[h]) for h in HEADERS]
    assert ours["Subject"] == letter.subject  # (the standard path's folding may add a space)
    assert ours["List-Id"] == "<mailing-7.example.ru>"
    assert ours["Message-ID"] and ours["Date"]
    assert ours.get_content_type() == theirs.get_content_type()
    assert _content(ours) == _content(theirs)
    assert not ours.defects and all(not p.defects for p in ours.walk())


@pytest.mark.parametrize(
    ("sender", "to"),
    [("shop@example.ru", "анна@пример.рф"), ("Магазин <shop@example.ru>", "a@example.ru")],
)
def test_an_address_that_needs_smtputf8_is_left_to_the_standard_path(sender: str, to: str) -> None:
    letter = Letter("s", "", "t")
    assert (
        wire_email(letter, sender=sender, to=to, unsubscribe="https://x/u/1.a", mailing_id=1)
        is None
    )


def test_a_line_break_in_a_subject_cannot_start_a_header() -> None:
    letter = Letter("evil\r\nBcc: victim@example.ru\nX: y", "", "x")
    wire = wire_email(letter, sender="s@example.ru", to="a@example.ru",
                      unsubscribe="https://x/u/1.a", mailing_id=1)  # fmt: skip
    assert wire is not None
    parsed = _parsed(wire.data)
    assert parsed["Subject"] == "evil Bcc: victim@example.ru X: y"
    assert "Bcc" not in parsed and "X" not in parsed
