"""Mass mailings to the client base: e-mail now (SMS to come), with consent and unsubscribe.

``models.py`` (a mailing, one recipient row per client address, the suppressed addresses),
``audience.py`` (who a mailing reaches and who is left out, by reason, computed in SQL),
``letters.py`` (templates in Jinja2's sandbox, their placeholders, the e-mail built),
``links.py`` (signed personal links: one-click unsubscribe), ``service.py`` (create, edit,
schedule, pause, resume, cancel, figures, unsubscribe) and ``sender.py`` (the job that sends
due recipients at the mailing's rate, inside each recipient's local window, at most once).
"""
