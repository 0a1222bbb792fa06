"""Forms the parser cannot read (a part's header broken, no boundary): a 400 in the one error
shape on every way in (an API upload, the pop's form to the dialer, a page's form), never a
500; and no file aiohttp spooled from a refused form is left open."""

from __future__ import annotations

import gc
from typing import Any

import pytest

BOUNDARY = "b0undary"
# a part whose name holds a control character: aiohttp's header parser refuses it
BROKEN_PART = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a\x1ab"\r\n\r\nx\r\n--{BOUNDARY}--\r\n'
)
UNKNOWN_TARGET = (
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="target"\r\n\r\nnothing-such\r\n'
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\nname\r\nAnna\r\n'
    f"--{BOUNDARY}--\r\n"
)
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
BODIES = {
    "broken part header": (BROKEN_PART, MULTIPART),
    "no boundary": (BROKEN_PART, "multipart/form-data"),
    "truncated": (BROKEN_PART[:40], MULTIPART),
}


@pytest.mark.parametrize("name", BODIES)
async def test_a_malformed_upload_to_the_api_is_a_400(api_as: Any, name: str) -> None:
    client, _ = await api_as("admin")
    body, content_type = BODIES[name]
    for path in ("/api/v1/imports", "/api/v1/orders/import"):
        response = await client.post(path, data=body, headers={"Content-Type": content_type})
        assert response.status == 400, (path, await response.text())
        assert (await response.json())["error"] in ("malformed_form", "bad_request")
    gc.collect()  # an unclosed spooled file would warn here, and warnings are errors


async def test_a_malformed_form_to_the_dialer_is_a_400(api_as: Any) -> None:
    client, _ = await api_as("operator")
    response = await client.post(
        "/api/v1/dialer/attempts/1/disposition",
        data=BROKEN_PART,
        headers={"Content-Type": MULTIPART},
    )
    assert response.status == 400
    assert (await response.json())["error"] == "malformed_form"


async def test_a_malformed_form_to_a_page_is_a_400_not_a_500(signed_in: Any) -> None:
    client, _, csrf = await signed_in("manager")
    for path in ("/tasks/new", "/clients/new", "/imports/new"):
        response = await client.post(
            path, data=BROKEN_PART, headers={"Content-Type": MULTIPART, "X-CSRF-Token": csrf}
        )
        assert response.status == 400, (path, response.status)


async def test_a_refused_upload_leaves_no_spooled_file_open(api_as: Any) -> None:
    client, _ = await api_as("admin")
    for _ in range(3):
        response = await client.post(
            "/api/v1/imports", data=UNKNOWN_TARGET, headers={"Content-Type": MULTIPART}
        )
        assert response.status == 400
        assert (await response.json())["error"] == "bad_request"
    gc.collect()  # each unclosed file would raise a ResourceWarning here: warnings are errors
