"""Which AMI events the listener types at all (the rest of a busy PBX's traffic is dropped on
arrival, before parsing)."""

from __future__ import annotations

from ami.events.registry import EVENT_TYPES
from ami.protocol import Message
from ami.tracker.features import AMD_VARIABLE, RECORDING_VARIABLE


class EventFilter:
    """Which AMI events are worth a typed event: those the tracker or the floor read, and of
    the many VarSets only the variables the tracker reads (the recording's file name, the
    dialplan's answering-machine verdict). The rest of a busy PBX's traffic (Newexten,
    DeviceStateChange, Cdr, most VarSets: over half of it) is dropped on arrival, as the
    event filter in asterisk-config/manager.conf would, for a PBX configured without it."""

    VARIABLES = frozenset({RECORDING_VARIABLE, AMD_VARIABLE})

    def __init__(self, event_types: frozenset[type]) -> None:
        self.names = frozenset(name for name, cls in EVENT_TYPES.items() if cls in event_types)

    def __call__(self, message: Message) -> bool:
        name = message.first("Event")  # a key sent twice is a list: read its first value
        if name == "VarSet":
            return message.first("Variable").lstrip("_") in self.VARIABLES
        return name in self.names

    def keeps_text(self, text: str) -> bool:
        """The same choice made on a message's raw text, before it is parsed (parsing is
        the link's largest cost): an event is refused by the name on its first line, a
        VarSet kept only when one of the variables read appears in it, and an answer to
        an action (with an ActionID) or anything not an event always kept."""
        if not text.startswith("Event: "):
            return True
        end = text.find("\r\n")
        name = text[7:end] if end > 0 else text[7:]
        if name == "VarSet":
            return any(variable in text for variable in self.VARIABLES)
        if name in self.names or name == "Shutdown":
            return True
        return "\r\nActionID: " in text
