"""Webhooks out: endpoints an admin registers, and a delivery row for each of them per change.

``events.py`` (what can be subscribed to), ``models.py`` (endpoints, deliveries),
``service.py`` (``enqueue``, written in the change's own transaction, and the admin's
operations), ``signing.py`` (the ``X-Callcenter-Signature`` header), ``sender.py`` (the job
that sends due deliveries, one process at a time, through a ``Transport`` the web app gives
it: the domain imports no HTTP client).
"""
