"""Call actions: Originate, Hangup, Redirect, BlindTransfer, PlayDTMF, CoreShowChannels,
Status."""

from __future__ import annotations

from ami.simulator.call import ATXFER, HANGUP, HOLD, PARK, TRANSFER, Interrupt
from ami.simulator.flows import call_for
from ami.simulator.model import Channel
from ami.simulator.origination import OriginateRequest
from ami.simulator.render import channel_pairs
from ami.simulator.request import Handler, Request

HOLD_FEATURE = "*8"  # features.conf applicationmap crmhold => *8,self,Wait(4),default
HOLD_FEATURE_S = 4.0


def _duration(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _channel(request: Request, missing: str) -> Channel | None:
    """The channel named in the action, or None after answering with an error."""
    name = request.get("channel")
    if not name:
        request.error(missing)
        return None
    channel = request.pbx.channels.get(name)
    if channel is None:
        request.error("No such channel")
    return channel


async def originate(request: Request) -> None:
    if not request.get("channel"):
        request.error("Channel not specified")
        return
    if not (request.get("exten") or request.get("application")):
        request.error("Exten not specified")  # Asterisk needs an extension or an app
        return
    originate_request = OriginateRequest.from_action(request.message, request.fields)
    request.respond("Success", "Originate successfully queued")
    request.pbx.start_call(call_for(request.pbx, originate_request))


async def hangup(request: Request) -> None:
    channel = _channel(request, "No channel specified")
    if channel is None:
        return
    try:
        cause = int(request.get("cause", "16"))
    except ValueError:
        cause = 16
    request.respond("Success", "Channel Hungup")
    if channel.owner is not None:
        channel.owner.interrupt(Interrupt(HANGUP, channel, cause=cause))


async def _transfer(request: Request, *, announce: bool) -> Channel | None:
    name = request.get("channel")
    if not name:
        request.error("Channel not specified" if not announce else "No channel specified")
        return None
    channel = request.pbx.channels.get(name)
    if channel is None:
        if announce:
            request.error("Channel specified does not exist")
        else:
            request.error(f"Channel does not exist: {name}")
    return channel


async def blind_transfer(request: Request) -> None:
    channel = await _transfer(request, announce=True)
    if channel is None:
        return
    if not channel.bridge_id or channel.owner is None:
        request.error("Transfer failed")
        return
    request.respond("Success", "Transfer succeeded")
    context, exten = request.get("context"), request.get("exten")
    channel.owner.interrupt(Interrupt(TRANSFER, channel, context=context, exten=exten))


async def atxfer(request: Request) -> None:
    """Attended transfer of a bridged agent leg (06b): the caller waits on hold."""
    channel = await _transfer(request, announce=True)
    if channel is None:
        return
    exten = request.get("exten")
    if not exten:
        request.error("No extension specified")
        return
    if not channel.bridge_id or channel.owner is None:
        request.error("Atxfer failed")
        return
    request.respond("Success", "Atxfer successfully queued")
    context = request.get("context")
    channel.owner.interrupt(Interrupt(ATXFER, channel, context=context, exten=exten))


async def park(request: Request) -> None:
    """Park a bridged caller (06d); ``Timeout`` in ms, 45 s by default (res_parking.conf)."""
    channel = await _transfer(request, announce=True)
    if channel is None:
        return
    if not channel.bridge_id or channel.owner is None:
        request.error("Park failed")
        return
    timeout = request.get("timeout")
    seconds = int(timeout) / 1000 if timeout.isdigit() and int(timeout) > 0 else 45.0
    request.respond("Success", "Park successful")
    channel.owner.interrupt(Interrupt(PARK, channel, seconds=seconds))


async def redirect(request: Request) -> None:
    """Redirect of a bridged channel works as a transfer of its peer without the
    BlindTransfer event; any other channel is hung up (the simulator has no dialplan)."""
    channel = await _transfer(request, announce=False)
    if channel is None:
        return
    request.respond("Success", "Redirect successful")
    if channel.owner is None:
        return
    context, exten = request.get("context"), request.get("exten")
    if channel.bridge_id:
        interrupt = Interrupt(TRANSFER, channel, context=context, exten=exten, announce=False)
    else:
        interrupt = Interrupt(HANGUP, channel, cause=16)
    channel.owner.interrupt(interrupt)


async def play_dtmf(request: Request) -> None:
    channel = _channel(request, "Channel not specified")
    if channel is None:
        return
    digit = request.get("digit")
    if not digit:
        request.error("No digit specified")
        return
    request.respond("Success", "DTMF successfully queued")
    direction = "Received" if request.flag("receive") else "Sent"
    extra = [("Digit", digit), ("DurationMs", "0"), ("Direction", direction)]
    request.pbx.emit("DTMFEnd", [*channel_pairs(channel), *extra], "dtmf,all")
    typed = (request.pbx.dtmf.get(channel.name, "") + digit)[-len(HOLD_FEATURE) :]
    request.pbx.dtmf[channel.name] = typed
    if typed == HOLD_FEATURE and channel.owner is not None and channel.bridge_id:
        request.pbx.dtmf.pop(channel.name, None)
        channel.owner.interrupt(Interrupt(HOLD, channel, seconds=HOLD_FEATURE_S))


async def core_show_channels(request: Request) -> None:
    request.list_start("Channels will follow")
    channels = sorted(request.pbx.channels.values(), key=lambda c: c.created, reverse=True)
    now = request.pbx.now()
    for channel in channels:
        pairs = [*request.id_pairs(), *channel_pairs(channel)]
        pairs += [("Application", channel.application), ("ApplicationData", channel.app_data)]
        pairs += [("Duration", _duration(now - channel.created)), ("BridgeId", channel.bridge_id)]
        request.event("CoreShowChannel", pairs)
    request.list_complete("CoreShowChannelsComplete", len(channels))


def _status_pairs(request: Request, channel: Channel) -> list[tuple[str, str]]:
    seconds = str(int(request.pbx.now() - channel.created))
    pairs = [("Privilege", "Call"), *channel_pairs(channel), ("Type", "Local"), ("DNID", "")]
    pairs += [("EffectiveConnectedLineNum", channel.connected_num)]
    pairs += [("EffectiveConnectedLineName", channel.connected_name), ("TimeToHangup", "0")]
    pairs += [("BridgeID", channel.bridge_id), ("Application", channel.application)]
    pairs += [("Data", channel.app_data), ("Nativeformats", "(ulaw)"), ("Readformat", "ulaw")]
    pairs += [("Readtrans", ""), ("Writeformat", "ulaw"), ("Writetrans", "")]
    pairs += [("Callgroup", "0"), ("Pickupgroup", "0"), ("Seconds", seconds)]
    return [*pairs, *request.id_pairs()]


async def status(request: Request) -> None:
    name = request.get("channel")
    if name and name.lower() != "all" and name not in request.pbx.channels:
        request.error("No such channel")
        return
    channels = list(request.pbx.channels.values())
    if name and name.lower() != "all":
        channels = [request.pbx.channels[name]]
    request.list_start("Channel status will follow")
    for channel in channels:
        request.event("Status", _status_pairs(request, channel))
    request.list_complete("StatusComplete", len(channels), [("Items", str(len(channels)))])


ACTIONS: dict[str, Handler] = {
    "originate": originate,
    "hangup": hangup,
    "redirect": redirect,
    "blindtransfer": blind_transfer,
    "atxfer": atxfer,
    "park": park,
    "playdtmf": play_dtmf,
    "coreshowchannels": core_show_channels,
    "status": status,
}
