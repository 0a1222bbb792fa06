"""The call-center CRM domain: models, services, reports, jobs, settings, command line.

Imports neither aiohttp nor panoramisk.
"""
