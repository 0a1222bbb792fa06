"""The floor: agents' statuses and callers' queue visits, from AMI queue events."""

from ami.floor.board import FloorBoard, FloorUpdate, WrapupPause

__all__ = ["FloorBoard", "FloorUpdate", "WrapupPause"]
