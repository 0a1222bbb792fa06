"""One AMI action being answered: its fields and the response helpers.

Responses copy Asterisk 22 wording and key order (``Response``, ``ActionID``,
``EventList``, ``Message`` ...); list events carry the ActionID, and the list ends with a
``...Complete`` event holding ``EventList: Complete`` and ``ListItems``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from ami.protocol import Message
from ami.simulator.pbx import Pbx
from ami.simulator.server import AmiSession

Pairs = list[tuple[str, str]]
Extra = Sequence[tuple[str, str]]


@dataclass
class Request:
    session: AmiSession
    pbx: Pbx
    message: Message
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, session: AmiSession, pbx: Pbx, message: Message) -> Request:
        """Keys are case-insensitive in AMI actions: ``fields`` is lower-cased."""
        fields = {key.lower(): message.first(key) for key in message}
        return cls(session, pbx, message, fields)

    @property
    def action(self) -> str:
        return self.fields.get("action", "")

    @property
    def action_id(self) -> str:
        return self.fields.get("actionid", "")

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key.lower(), default).strip() or default

    def flag(self, key: str) -> bool | None:
        value = self.get(key).lower()
        if value in ("1", "yes", "true", "on"):
            return True
        if value in ("0", "no", "false", "off"):
            return False
        return None

    def id_pairs(self) -> Pairs:
        return [("ActionID", self.action_id)] if self.action_id else []

    def respond(
        self, response: str = "Success", message: str | None = None, extra: Extra = ()
    ) -> None:
        pairs = [("Response", response), *self.id_pairs()]
        if message is not None:
            pairs.append(("Message", message))
        self.session.send_pairs([*pairs, *extra])

    def error(self, message: str) -> None:
        self.respond("Error", message)

    def list_start(self, message: str) -> None:
        pairs = [("Response", "Success"), *self.id_pairs(), ("EventList", "start")]
        self.session.send_pairs([*pairs, ("Message", message)])

    def event(self, name: str, pairs: Pairs) -> None:
        """An event for this session only (list items)."""
        self.session.send_pairs([("Event", name), *pairs])

    def list_complete(self, name: str, count: int, extra: Extra = ()) -> None:
        pairs = [("Event", name), *self.id_pairs(), ("EventList", "Complete")]
        self.session.send_pairs([*pairs, ("ListItems", str(count)), *extra])


Handler = Callable[[Request], Awaitable[bool | None]]
"""An action handler; it returns False to close the connection (Logoff, failed Login)."""
