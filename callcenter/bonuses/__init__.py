"""Manager bonuses: the admin's weights, a period's pool entered and approved by a
supervisor, its split by each manager's contribution (from the ``manager_hours`` rollup),
frozen at approval with an audit trail; and the bonus report that shows it."""
