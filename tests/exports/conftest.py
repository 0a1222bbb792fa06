"""The orders' fixtures (pipeline, clients, products, orders) for importing orders."""

from tests.orders.conftest import (  # noqa: F401  (fixtures)
    make_client,
    make_order,
    make_product,
    pipeline,
    sessionmaker,
)
