"""The rollup machinery: report tables of additive sums per bucket, kept fresh incrementally.

``refresh.py`` (the job: marks, the advisory lock, every rollup in turn), ``models.py`` (the
marks and the log of hard deletions), ``days.py`` (rollups by UTC day, read exactly in any
time zone), ``hours.py`` (runs of consecutive hours for the hourly ones), ``slices.py``
(narrower copies of a rollup table), ``deletions.py`` (what deleted rows counted at). Each
report family keeps its own rollups beside its report.
"""
