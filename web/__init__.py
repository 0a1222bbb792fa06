"""The aiohttp web app: pages, JSON API, auth, CSRF, live hub."""
