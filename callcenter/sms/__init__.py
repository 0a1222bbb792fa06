"""Text messages through an SMS provider's HTTP API, for mailings and order notifications.

``parts.py`` (a text's length in SMS parts, GSM-7 or UCS-2), ``gateway.py`` (what a provider
answers, the HTTP exchange, the provider chosen by the settings), ``smsc.py`` (SMSC.ru),
``twilio.py`` (Twilio's Messages API and its signed status callbacks), ``models.py`` (an order
notification's text message, one per order and status), ``notify.py`` (queueing one),
``outbox.py`` (sending them) and ``status.py`` (delivery read back: polled, or called back).
"""
