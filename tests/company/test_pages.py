"""/admin/company: only the admin, CSRF, errors by the field with everything typed kept."""

from typing import Any

import pytest

from tests.invoices.support import company_input


def _form(csrf: str, **changes: str) -> dict[str, str]:
    form = {k: str(v) for k, v in vars(company_input()).items()}
    form.update(csrf_token=csrf, **changes)
    return form


async def test_admin_fills_in_the_requisites_and_sees_them_again(signed_in: Any) -> None:
    client, _admin, csrf = await signed_in("admin")
    page = await (await client.get("/admin/company")).text()
    assert "Fill these in before anyone issues an invoice." in page
    response = await client.post("/admin/company", data=_form(csrf), allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/admin/company?saved=1"
    page = await (await client.get("/admin/company?saved=1")).text()
    assert 'value="40702810938000012345"' in page and "Saved" in page


async def test_bad_requisites_are_shown_by_the_field_and_what_was_typed_stays(
    signed_in: Any,
) -> None:
    client, _admin, csrf = await signed_in("admin")
    form = _form(csrf, settlement_account="40702810038000012345", director="Сидоров С. С.")
    response = await client.post("/admin/company", data=form)
    assert response.status == 422
    page = await response.text()
    assert 'id="err-settlement_account"' in page and "does not match the BIK" in page
    assert 'value="40702810038000012345"' in page and 'value="Сидоров С. С."' in page
    assert (await client.post("/admin/company", data={**form, "csrf_token": "x"})).status == 403


@pytest.mark.parametrize("role", ["operator", "manager", "supervisor"])
async def test_only_the_admin_reaches_the_company_page(signed_in: Any, role: str) -> None:
    client, _user, csrf = await signed_in(role)
    assert (await client.get("/admin/company")).status == 403
    assert (await client.post("/admin/company", data=_form(csrf))).status == 403
