"""The JSON API described: OpenAPI 3.1 built from the router, and its reference page.

``describe`` holds what a handler says of itself (``@described``, kept next to the handler);
``spec`` walks the router and makes the document; ``views`` serves it and the readable page.
"""
