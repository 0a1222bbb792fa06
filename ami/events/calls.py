"""Channel, dial, bridge, hold, transfer, originate and CDR events."""

from __future__ import annotations

from dataclasses import dataclass

from ami.events._spec import flag, nested, number, text
from ami.events.common import UNKNOWN, AmiEvent, BridgeInfo, ChannelInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelEvent(AmiEvent):
    """An event about one channel (``channel`` holds its snapshot)."""

    channel: ChannelInfo = nested(ChannelInfo)


@dataclass(frozen=True, slots=True, kw_only=True)
class Newchannel(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Newstate(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCallerid(ChannelEvent):
    cid_calling_pres: str = text("CID-CallingPres")


@dataclass(frozen=True, slots=True, kw_only=True)
class NewConnectedLine(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Hangup(ChannelEvent):
    cause: int = number("Cause")
    cause_txt: str = text("Cause-txt")


@dataclass(frozen=True, slots=True, kw_only=True)
class HangupRequest(ChannelEvent):
    cause: int = number("Cause")


@dataclass(frozen=True, slots=True, kw_only=True)
class SoftHangupRequest(ChannelEvent):
    cause: int = number("Cause")


@dataclass(frozen=True, slots=True, kw_only=True)
class DialBegin(AmiEvent):
    """``channel`` is None when an Originate dials (only the ``Dest`` side exists)."""

    channel: ChannelInfo | None = nested(ChannelInfo, optional=True)
    dest: ChannelInfo = nested(ChannelInfo, "Dest")
    dial_string: str = text("DialString")


@dataclass(frozen=True, slots=True, kw_only=True)
class DialState(AmiEvent):
    channel: ChannelInfo | None = nested(ChannelInfo, optional=True)
    dest: ChannelInfo = nested(ChannelInfo, "Dest")
    dial_status: str = text("DialStatus")
    forward: str = text("Forward")


@dataclass(frozen=True, slots=True, kw_only=True)
class DialEnd(AmiEvent):
    """``dial_status``: ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL ..."""

    channel: ChannelInfo | None = nested(ChannelInfo, optional=True)
    dest: ChannelInfo = nested(ChannelInfo, "Dest")
    dial_status: str = text("DialStatus")
    forward: str = text("Forward")


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeCreate(AmiEvent):
    bridge: BridgeInfo = nested(BridgeInfo)


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeDestroy(AmiEvent):
    bridge: BridgeInfo = nested(BridgeInfo)


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeEnter(ChannelEvent):
    bridge: BridgeInfo = nested(BridgeInfo)
    swap_uniqueid: str = text("SwapUniqueid")


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeLeave(ChannelEvent):
    bridge: BridgeInfo = nested(BridgeInfo)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hold(ChannelEvent):
    music_class: str = text("MusicClass")


@dataclass(frozen=True, slots=True, kw_only=True)
class Unhold(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MusicOnHoldStart(ChannelEvent):
    music_class: str = text("Class")


@dataclass(frozen=True, slots=True, kw_only=True)
class MusicOnHoldStop(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MixMonitorStart(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MixMonitorStop(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class BlindTransfer(AmiEvent):
    result: str = text("Result")
    transferer: ChannelInfo = nested(ChannelInfo, "Transferer")
    transferee: ChannelInfo | None = nested(ChannelInfo, "Transferee", optional=True)
    bridge: BridgeInfo = nested(BridgeInfo)
    is_external: bool = flag("IsExternal")
    context: str = text("Context")
    extension: str = text("Extension")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChanSpyStart(AmiEvent):
    """A supervisor's channel (``spyer``) started listening to ``spyee`` (08a-c)."""

    spyer: ChannelInfo = nested(ChannelInfo, "Spyer")
    spyee: ChannelInfo = nested(ChannelInfo, "Spyee")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChanSpyStop(AmiEvent):
    """The spy ended; ``spyee`` is absent when the spied channel was already gone."""

    spyer: ChannelInfo = nested(ChannelInfo, "Spyer")
    spyee: ChannelInfo | None = nested(ChannelInfo, "Spyee", optional=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParkedCall(AmiEvent):
    """A caller waits in a parking lot space (06d); its siblings say how it left."""

    parkee: ChannelInfo = nested(ChannelInfo, "Parkee")
    parker_dial_string: str = text("ParkerDialString")
    space: str = text("ParkingSpace")
    timeout_s: int = number("ParkingTimeout")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnParkedCall(ParkedCall):
    """Picked up from the lot; ``retriever`` is who did (06d)."""

    retriever: ChannelInfo | None = nested(ChannelInfo, "Retriever", optional=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class AttendedTransfer(AmiEvent):
    """``dest_type``: Bridge, App, Link, Threeway or Fail."""

    result: str = text("Result")
    orig_transferer: ChannelInfo = nested(ChannelInfo, "OrigTransferer")
    orig_bridge: BridgeInfo | None = nested(BridgeInfo, "Orig", optional=True)
    second_transferer: ChannelInfo | None = nested(ChannelInfo, "SecondTransferer", optional=True)
    second_bridge: BridgeInfo | None = nested(BridgeInfo, "Second", optional=True)
    transferee: ChannelInfo | None = nested(ChannelInfo, "Transferee", optional=True)
    transfer_target: ChannelInfo | None = nested(ChannelInfo, "TransferTarget", optional=True)
    is_external: bool = flag("IsExternal")
    dest_type: str = text("DestType")
    dest_bridge_uniqueid: str = text("DestBridgeUniqueid")
    dest_app: str = text("DestApp")


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateResponse(AmiEvent):
    """Result of an async Originate, matched to it by ``action_id``.

    ``reason``: 0 failed/invalid/cancelled, 1 hung up, 3 no answer, 4 answered, 5 busy,
    8 congestion. On failure ``uniqueid`` is ``<unknown>`` unless the Originate passed
    ``ChannelId``, and ``channel`` holds the requested dial string, not a channel name.
    """

    action_id: str = text("ActionID")
    response: str = text("Response")
    channel: str = text("Channel")
    context: str = text("Context")
    exten: str = text("Exten")
    application: str = text("Application")
    data: str = text("Data")
    reason: int = number("Reason")
    uniqueid: str = text("Uniqueid")
    caller_id_num: str = text("CallerIDNum")
    caller_id_name: str = text("CallerIDName")

    @property
    def success(self) -> bool:
        return self.response == "Success"

    @property
    def has_uniqueid(self) -> bool:
        return self.uniqueid not in ("", UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cdr(AmiEvent):
    """A call detail record (cdr_manager). It may come before the matching Hangup."""

    account_code: str = text("AccountCode")
    source: str = text("Source")
    destination: str = text("Destination")
    destination_context: str = text("DestinationContext")
    caller_id: str = text("CallerID")
    channel: str = text("Channel")
    destination_channel: str = text("DestinationChannel")
    last_application: str = text("LastApplication")
    last_data: str = text("LastData")
    start_time: str = text("StartTime")
    answer_time: str = text("AnswerTime")
    end_time: str = text("EndTime")
    duration_s: int = number("Duration")
    billable_s: int = number("BillableSeconds")
    disposition: str = text("Disposition")
    ama_flags: str = text("AMAFlags")
    uniqueid: str = text("UniqueID")
    user_field: str = text("UserField")


@dataclass(frozen=True, slots=True, kw_only=True)
class VarSet(AmiEvent):
    """A channel variable was set (only what the CRM needs is kept)."""

    name: str = text("Variable")
    value: str = text("Value")
    uniqueid: str = text("Uniqueid")
    linkedid: str = text("Linkedid")


@dataclass(frozen=True, slots=True, kw_only=True)
class FullyBooted(AmiEvent):
    uptime_s: int = number("Uptime")
    last_reload_s: int = number("LastReload")
    status: str = text("Status")
