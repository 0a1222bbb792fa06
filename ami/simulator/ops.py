"""Channel operations of a call: each changes the model and emits the matching event."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from ami.simulator.model import CAUSE_TEXT, RING, UP, Bridge, Channel, LocalPair
from ami.simulator.render import (
    Pairs,
    bridge_pairs,
    cdr_pairs,
    channel_pairs,
    local_bridge_pairs,
)

if TYPE_CHECKING:
    from ami.simulator.call import Call
    from ami.simulator.pbx import Pbx

CALL, AGENT, DIALPLAN, CDR = "call,all", "agent,all", "dialplan,all", "cdr,all"


class ChannelOps:
    """Mixin of ``Call``: event-emitting operations on the call's channels."""

    pbx: Pbx
    vt: float
    start_wall: float
    linkedid: str
    linked: asyncio.Event

    def wall(self) -> float:
        """Simulated wall time of the call's current moment."""
        return self.start_wall + self.vt

    def _owner(self) -> Call:
        """This mixin is only ever part of a ``Call``."""
        return cast("Call", self)

    def emit_channel(self, name: str, channel: Channel, *extra: tuple[str, str]) -> None:
        privilege = AGENT if name.startswith(("Agent", "Queue")) else CALL
        self.pbx.emit(name, [*channel_pairs(channel), *extra], privilege)

    # -- creation -------------------------------------------------------------------------

    def new_channel(self, name: str, context: str, exten: str, uniqueid: str = "") -> Channel:
        uid = uniqueid or self.pbx.ids.uniqueid(self.wall())
        if not self.linkedid:
            self.linkedid = uid
            self.linked.set()
        channel = Channel(name, uid, self.linkedid, context, exten, created=self.wall())
        channel.owner = self._owner()
        self.pbx.channels[name] = channel
        return channel

    def local_pair(
        self, exten: str, context: str, uniqueids: tuple[str, str] = ("", "")
    ) -> LocalPair:
        """Create (without events) ``Local/<exten>@<context>-XXXXXXXX;1`` and ``;2``."""
        base = f"Local/{exten}@{context}-{self.pbx.ids.local_suffix()}"
        one = self.new_channel(f"{base};1", context, exten, uniqueids[0])
        two = self.new_channel(f"{base};2", context, exten, uniqueids[1])
        two.state = RING
        return LocalPair(one, two, device=f"Local/{exten}@{context}")

    def local_bridge(self, pair: LocalPair, *, optimization: bool) -> None:
        self.pbx.emit("LocalBridge", local_bridge_pairs(pair, optimization=optimization), CALL)

    # -- snapshots ------------------------------------------------------------------------

    def newchannel(self, *channels: Channel) -> None:
        for channel in channels:
            self.emit_channel("Newchannel", channel)

    def newstate(self, channel: Channel, state: int) -> None:
        channel.state = state
        if state == UP and channel.answered is None:
            channel.answered = self.wall()
        self.emit_channel("Newstate", channel)

    def newcallerid(self, channel: Channel, number: str, name: str) -> None:
        channel.caller_num, channel.caller_name = number, name
        pres = ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")
        self.emit_channel("NewCallerid", channel, pres)

    def newconnectedline(self, channel: Channel, number: str, name: str) -> None:
        channel.connected_num, channel.connected_name = number, name
        self.emit_channel("NewConnectedLine", channel)

    def newexten(self, channel: Channel, priority: int, app: str, data: str = "") -> None:
        """The channel runs dialplan ``app(data)`` at ``priority`` (noise: Newexten)."""
        channel.priority, channel.application, channel.app_data = priority, app, data
        if self.pbx.config.noise:
            extra = [("Extension", channel.exten), ("Application", app), ("AppData", data)]
            self.pbx.emit("Newexten", [*channel_pairs(channel), *extra], DIALPLAN)

    def varset(self, channel: Channel, *assignments: tuple[str, str]) -> None:
        """Channel variables set (noise: one VarSet each)."""
        if not self.pbx.config.noise:
            return
        for variable, value in assignments:
            pairs = [*channel_pairs(channel), ("Variable", variable), ("Value", value)]
            self.pbx.emit("VarSet", pairs, DIALPLAN)

    # -- dialling -------------------------------------------------------------------------

    def _dial(self, name: str, caller: Channel | None, dest: Channel, extra: Pairs) -> None:
        pairs = channel_pairs(caller) if caller is not None else []
        self.pbx.emit(name, [*pairs, *channel_pairs(dest, "Dest"), *extra], CALL)

    def dial_begin(self, caller: Channel | None, dest: Channel, dial_string: str) -> None:
        self._dial("DialBegin", caller, dest, [("DialString", dial_string)])

    def dial_state(self, caller: Channel | None, dest: Channel, status: str) -> None:
        self._dial("DialState", caller, dest, [("DialStatus", status)])

    def dial_end(self, caller: Channel | None, dest: Channel, status: str) -> None:
        self._dial("DialEnd", caller, dest, [("DialStatus", status)])

    # -- hanging up -----------------------------------------------------------------------

    def hangup_request(self, channel: Channel, cause: int, *, soft: bool = False) -> None:
        name = "SoftHangupRequest" if soft else "HangupRequest"
        self.emit_channel(name, channel, ("Cause", str(cause)))

    def hangup(self, channel: Channel, cause: int) -> None:
        if not channel.alive:
            return
        channel.alive = False
        self.pbx.channels.pop(channel.name, None)
        text = CAUSE_TEXT.get(cause, "Unknown")
        self.emit_channel("Hangup", channel, ("Cause", str(cause)), ("Cause-txt", text))

    # -- bridges --------------------------------------------------------------------------

    def _bridge_event(self, name: str, bridge: Bridge, channel: Channel | None = None) -> None:
        pairs = bridge_pairs(bridge)
        if channel is not None:
            pairs += channel_pairs(channel)
        self.pbx.emit(name, pairs, CALL)

    def bridge(self, *channels: Channel) -> Bridge:
        """BridgeCreate, then BridgeEnter for each channel in order."""
        bridge = Bridge()
        self._bridge_event("BridgeCreate", bridge)
        for channel in channels:
            self.bridge_enter(bridge, channel)
        return bridge

    def bridge_enter(self, bridge: Bridge, channel: Channel) -> None:
        bridge.channels.append(channel)
        channel.bridge_id = bridge.uniqueid
        self._bridge_event("BridgeEnter", bridge, channel)

    def bridge_leave(self, bridge: Bridge, channel: Channel) -> None:
        if channel in bridge.channels:
            bridge.channels.remove(channel)
        channel.bridge_id = ""
        self._bridge_event("BridgeLeave", bridge, channel)

    def bridge_destroy(self, bridge: Bridge) -> None:
        self._bridge_event("BridgeDestroy", bridge)

    # -- records --------------------------------------------------------------------------

    def cdr(
        self,
        channel: Channel,
        *,
        dest_channel: str = "",
        application: tuple[str, str] | None = None,
        since: float | None = None,
        answered: float | None = None,
        disposition: str = "",
    ) -> None:
        """A Cdr for ``channel`` ending now; disposition defaults to its answer state."""
        start = channel.created if since is None else since
        answer = channel.answered if answered is None else answered
        pairs = cdr_pairs(
            channel,
            destination=channel.exten,
            destination_context=channel.context,
            dest_channel=dest_channel,
            application=application or (channel.application, channel.app_data),
            span=(start, answer, max(self.wall(), start)),
            disposition=disposition or ("ANSWERED" if answer is not None else "NO ANSWER"),
        )
        self.pbx.emit("Cdr", pairs, CDR)
