"""The refusals report: call results (campaign dispositions and wrap-ups) and refusal
reasons, with their day rollup, its ledger and the lists of clients behind two figures."""
