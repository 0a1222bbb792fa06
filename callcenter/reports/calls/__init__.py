"""The calls report: queues, directions, agents' calls and time, missed calls and callbacks,
summed from hourly rollups of what the PBX listener stored."""
