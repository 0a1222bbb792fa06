"""The loyalty report and the client card's loyalty score: the rules (RFM, churn, score), the
per-client and per-hour rollups, the period's sums and the client base as it stands."""
