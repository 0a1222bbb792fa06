"""The telephony adapter: AMI wire protocol, typed events, call tracking, actions, simulator.

* ``ami.protocol``: the pure, incremental parser (``AmiParser``) and ``encode_action``.
* ``ami.events``: typed, frozen event dataclasses, ``EVENT_TYPES`` and ``to_event``.
* ``ami.simulator``: a simulated Asterisk 22 AMI server for tests and demos.
"""
