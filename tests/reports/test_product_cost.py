"""A product's unit cost, kept by the admin, gives the segments report its margin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from callcenter.db import make_engine, make_sessionmaker
from callcenter.products.models import Product


async def _product(database_url: str) -> tuple[int, Decimal | None]:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        product_id, cost = (await session.execute(select(Product.id, Product.cost))).one()
    await engine.dispose()
    return product_id, cost


async def test_admin_sets_a_unit_cost_or_leaves_it_unknown(signed_in: Any, database_url: str):
    client, _admin, csrf = await signed_in("admin")
    form = {
        "csrf_token": csrf,
        "name": "Кондиционер",
        "sku": "",
        "unit_code": "796",
        "price": "45 990,00",
        "vat_rate": "22",
        "active": "1",
        "cost": "дорого",
    }
    response = await client.post("/admin/products/new", data=form)
    page = await response.text()
    assert response.status == 422
    assert 'value="дорого"' in page and "Not a number" in page
    form["cost"] = "30 000,50"
    response = await client.post("/admin/products/new", data=form, allow_redirects=False)
    assert response.status == 302
    product_id, cost = await _product(database_url)
    assert cost == Decimal("30000.50")
    edit = await (await client.get(f"/admin/products/{product_id}")).text()
    assert 'name="cost" value="30000.50"' in edit
    form["cost"] = ""
    response = await client.post(f"/admin/products/{product_id}", data=form, allow_redirects=False)
    assert response.status == 302
    assert await _product(database_url) == (product_id, None)
