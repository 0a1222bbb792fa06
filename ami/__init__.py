"""The telephony adapter: AMI wire protocol, typed events, call tracking, actions, simulator."""
