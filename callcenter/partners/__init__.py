"""Partners (multi-level sales): the tree of partners, commission plans, clients attributed
to a partner, commissions accrued up the chain when an order is paid, statements and payouts."""
