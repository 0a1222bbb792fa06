"""The PBX pieces the settings describe: the call tracker (whose dialplan contexts are whose)
and the AMI link's config, for the web process and ``python -m ami``."""

from __future__ import annotations

from ami.link import PbxConfig
from ami.tracker import CallTracker
from callcenter.settings import Settings


def tracker_for(settings: Settings) -> CallTracker:
    """A call tracker that knows the dialplan's contexts (the simulator's are included)."""
    return CallTracker(
        region=settings.default_region,
        inbound_contexts=settings.inbound_contexts,
        outbound_contexts=(
            settings.outbound_context,
            settings.dialer_context,
            "customers",
            "campaign",
        ),
        agent_contexts=(settings.agent_context,),
    )


def ami_config(settings: Settings) -> PbxConfig:
    return PbxConfig(
        name="default",
        host=settings.ami_host or "",
        port=settings.ami_port,
        username=settings.ami_username,
        secret=settings.ami_secret,
    )
