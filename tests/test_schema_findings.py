"""Inputs schemathesis found answering 500, each now a clear answer (tests/test_schemathesis.py
runs the whole search against a real server)."""

from __future__ import annotations

import pytest

from tests.conftest import bearer


@pytest.mark.parametrize("field", ["name_en", "contacts"])
async def test_a_unit_patch_with_null_clears_the_field(client, demo, field):
    response = await client.patch(
        "/api/units/231102", json={field: None}, headers=bearer(demo["admin"])
    )
    assert response.status_code == 200, response.text
    detail = await client.get("/api/units/231102", headers=bearer(demo["admin"]))
    assert detail.json()[field] in ("", [])
