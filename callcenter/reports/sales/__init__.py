"""The sales reports (funnel, channels, segments) and the day rollups of orders, clients and
calls they read; ``models.py`` also holds the call results' tables the refusals report reads."""
