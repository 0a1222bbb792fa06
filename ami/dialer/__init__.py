"""The outbound dialer, run by the process that leads the PBX (see ``runner``)."""

from ami.dialer.placing import DialerPlan
from ami.dialer.runner import DialerRunner

__all__ = ["DialerPlan", "DialerRunner"]
