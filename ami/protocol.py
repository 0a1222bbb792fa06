"""AMI wire format: an incremental, pure parser and the action encoder.

Asterisk frames every message as ``Key: value`` lines ended by CRLF, and a message by an
empty line (``\\r\\n\\r\\n``). Only the banner (``Asterisk Call Manager/11.0.0\\r\\n``) is a
single line with no blank line after it. Keys may repeat (``Variable``, ``ChanVariable``,
``Output``): a repeated key keeps all its values, in order, as a list.

Command output: Asterisk 14+ (and so 22) answers ``Action: Command`` with a normal
``Response: Success`` / ``Message: Command output follows`` message holding one ``Output:``
line per line of output (see transcript 07b). Older versions sent ``Response: Follows``,
the raw output lines and ``--END COMMAND--``; that form is folded into the same shape, each
output line becoming one ``Output`` value.

Decoding: bytes are UTF-8. A block that is not valid UTF-8 is decoded with
``errors="replace"`` (U+FFFD for the bad bytes) and kept, with a warning: dropping it would
lose a Hangup over a garbled caller name. NUL bytes, which Asterisk never sends and no
database text can hold, are dropped (with a warning). A block with a line that is not
``Key: value`` is malformed: it is logged and skipped, and parsing goes on with the next block.

Nothing here does I/O; ``AmiParser.feed`` takes bytes and returns whole messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import repeat

log = logging.getLogger(__name__)

SEPARATOR = b"\r\n\r\n"
BANNER_PREFIX = "Asterisk Call Manager/"
END_COMMAND = "--END COMMAND--"
MAX_BUFFER = 4 * 1024 * 1024  # an unterminated message bigger than this is dropped

FieldValue = str | int | bool | Sequence[str]
Fields = Mapping[str, FieldValue] | Iterable[tuple[str, FieldValue]]


class Message(dict[str, str | list[str]]):
    """One AMI message. The first key tells its kind (``Event``, ``Response`` or ``Action``).

    Values are ``str``; a key sent several times maps to a ``list[str]``. Use ``first`` for
    a plain string and ``getall`` for every value.
    """

    __slots__ = ()

    @property
    def kind(self) -> str:
        """``Event``, ``Response``, ``Action`` ... (the first key), or ``""`` if empty."""
        return next(iter(self), "")

    @property
    def name(self) -> str:
        """The value of the first key: the event name, the response status, the action."""
        kind = self.kind
        return self.first(kind) if kind else ""

    def first(self, key: str, default: str = "") -> str:
        """The value of ``key`` (its first value if repeated), or ``default``."""
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, list):
            return value[0] if value else default
        return value

    def getall(self, key: str) -> list[str]:
        """Every value of ``key`` in the order received (empty if absent)."""
        value = self.get(key)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]


def _add(message: Message, key: str, value: str) -> None:
    existing = message.get(key)
    if existing is None:
        message[key] = value
    elif isinstance(existing, list):
        existing.append(value)
    else:
        message[key] = [existing, value]


def _parse_lines(lines: list[str]) -> Message | None:
    """Slow path: repeated keys, ``Key:`` with no space, stray empty lines, bad lines."""
    message = Message()
    for line in lines:
        if not line:
            continue
        key, sep, value = line.partition(": ")
        if not sep:
            if not line.endswith(":") or len(line) == 1:
                log.warning("AMI: skipping malformed block, bad line %r", line[:120])
                return None
            key, value = line[:-1], ""
        _add(message, key, value)
    return message or None


def parse_block(block: str) -> Message | None:
    """Parse one message (the text between two blank lines). ``None`` if malformed/empty."""
    lines = block.split("\r\n")
    try:  # map over str.split: a third faster than a comprehension, for every event
        message = Message(map(str.split, lines, repeat(": "), repeat(1)))
    except ValueError:  # a line without ": " (or an empty line)
        return _parse_lines(lines)
    if len(message) != len(lines):  # a repeated key
        return _parse_lines(lines)
    return message


def parse_follows(text: str) -> Message:
    """Parse a legacy ``Response: Follows`` command answer into ``Output`` values."""
    message = Message()
    lines = text.split("\r\n")
    index = 0
    while index < len(lines):
        key, sep, value = lines[index].partition(": ")
        if not sep or " " in key:
            break  # the first output line
        _add(message, key, value)
        index += 1
    output = "\r\n".join(lines[index:])
    if output.endswith(END_COMMAND):
        output = output[: -len(END_COMMAND)]
    for line in output.replace("\r\n", "\n").split("\n"):
        if line:
            _add(message, "Output", line)
    return message


class AmiParser:
    """Incremental AMI parser: feed it socket reads, get whole messages back.

    >>> parser = AmiParser()
    >>> parser.feed(b"Asterisk Call Manager/11.0.0\\r\\nResponse: Success\\r\\n")
    []
    >>> parser.feed(b"Ping: Pong\\r\\n\\r\\n")
    [{'Response': 'Success', 'Ping': 'Pong'}]
    >>> parser.banner
    'Asterisk Call Manager/11.0.0'

    Set ``expect_banner=False`` to parse what a client sends (actions).
    """

    def __init__(
        self, *, expect_banner: bool = True, keep: Callable[[str], bool] | None = None
    ) -> None:
        self._buffer = b""
        self._banner_pending = expect_banner
        self._follows: list[str] | None = None
        self.banner: str | None = None
        self.keep = keep  # a check of a message's raw text: what it refuses is not parsed
        self.dropped = 0  # messages ``keep`` refused

    def reset(self) -> None:
        """Forget what is buffered (after an error): parsing resumes at the next message."""
        self._buffer = b""
        self._follows = None

    def feed(self, data: bytes) -> list[Message]:
        """Add ``data`` and return the messages it completes, in order."""
        buffer = self._buffer + data if self._buffer else data
        if self._banner_pending:
            buffer = self._take_banner(buffer)
            if self._banner_pending:
                self._buffer = buffer
                return []
        end = buffer.rfind(SEPARATOR)
        if end < 0:
            self._buffer = self._checked(buffer)
            return []
        self._buffer = buffer[end + 4 :]
        return self._parse_complete(buffer[:end])

    def _take_banner(self, buffer: bytes) -> bytes:
        line_end = buffer.find(b"\r\n")
        if line_end < 0:
            if b": " in buffer or len(buffer) > 1024:
                self._banner_pending = False  # no banner: this is already a message
            return buffer
        line = buffer[:line_end]
        self._banner_pending = False
        if b": " in line:
            return buffer
        self.banner = line.decode("utf-8", "replace")
        if not self.banner.startswith(BANNER_PREFIX):
            log.warning("AMI: unexpected banner %r", self.banner[:120])
        return buffer[line_end + 2 :]

    def _checked(self, buffer: bytes) -> bytes:
        if len(buffer) <= MAX_BUFFER:
            return buffer
        log.warning("AMI: dropping %d bytes without a message end", len(buffer))
        return b""

    def _parse_complete(self, complete: bytes) -> list[Message]:
        if b"\x00" in complete:  # never sent by Asterisk; no database text can hold it
            log.warning("AMI: NUL bytes dropped from %r", complete[:80])
            complete = complete.replace(b"\x00", b"")
        try:
            blocks = complete.decode("utf-8").split("\r\n\r\n")
        except UnicodeDecodeError:
            blocks = [_decode_lossy(raw) for raw in complete.split(SEPARATOR)]
        messages: list[Message] = []
        for block in blocks:
            message = self._parse_one(block, messages)
            if message is not None:
                messages.append(message)
        return messages

    def _parse_one(self, block: str, messages: list[Message]) -> Message | None:
        if self._follows is not None:
            return self._continue_follows(block, messages)
        if block.startswith("Response: Follows"):
            if END_COMMAND in block:
                return parse_follows(block)
            self._follows = [block]  # the output itself held a blank line
            return None
        if not block:
            return None
        if self.keep is not None and not self.keep(block):
            self.dropped += 1
            return None
        return parse_block(block)

    def _continue_follows(self, block: str, messages: list[Message]) -> Message | None:
        """Collect a legacy command answer up to ``--END COMMAND--``."""
        parts = self._follows or []
        if block.startswith(("Event: ", "Response: ")):
            log.warning("AMI: command output ended without %s", END_COMMAND)
            self._follows = None
            messages.append(parse_follows("\r\n\r\n".join(parts)))
            return self._parse_one(block, messages)
        parts.append(block)
        if END_COMMAND not in block:
            return None
        self._follows = None
        return parse_follows("\r\n\r\n".join(parts))


def _decode_lossy(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        log.warning("AMI: invalid UTF-8 in %r, decoding with replacement", raw[:80])
        return raw.decode("utf-8", "replace")


def _format_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if "\r" in text or "\n" in text:
        raise ValueError(f"AMI values cannot hold line breaks: {text!r}")
    return text


def _pairs(fields: Fields) -> Iterable[tuple[str, FieldValue]]:
    return fields.items() if isinstance(fields, Mapping) else fields


def encode_message(pairs: Iterable[tuple[str, str | int | bool]]) -> bytes:
    """Frame ``Key: value`` pairs as one AMI message (CRLF lines, blank line at the end)."""
    lines = [f"{key}: {_format_value(value)}\r\n" for key, value in pairs]
    return ("".join(lines) + "\r\n").encode("utf-8")


def encode_action(name: str, fields: Fields, action_id: str) -> bytes:
    """Encode ``Action: name`` with its ``ActionID`` and fields.

    ``fields`` is a mapping or a list of pairs; a list/tuple value repeats the key
    (``{"Variable": ["A=1", "B=2"]}``), ``True``/``False`` become ``true``/``false``.
    Keys and values must not hold CR or LF (that would inject another action).
    """
    pairs: list[tuple[str, str | int | bool]] = [("Action", name), ("ActionID", action_id)]
    for key, value in _pairs(fields):
        if not key or ":" in key or "\r" in key or "\n" in key:
            raise ValueError(f"invalid AMI key: {key!r}")
        if isinstance(value, str | int | bool):
            pairs.append((key, value))
        else:
            pairs.extend((key, item) for item in value)
    return encode_message(pairs)
