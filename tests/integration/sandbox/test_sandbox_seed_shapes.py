"""What the sandbox sends has the shape of REDEX's own samples (``tests/fixtures/seeds``).

Each seed envelope is compared with the sandbox's answer for the same endpoint after a real
walk (issue, then retire): same envelope and ``Meta`` keys, every documented key present at
every level, and the same JSON kind of value wherever both sides hold one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_redex.client import wire_json
from airflow_provider_redex.sandbox.server import RunningSandbox
from tests.helpers.sandbox_walks import Api, approved_group, daily, push, vintage_days

SEEDS = Path(__file__).parents[2] / "fixtures" / "seeds"
KIND_MAY_DIFFER = {"Vintage"}
"""C20: the table says number, the example a string; the sandbox sends the number."""


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
        return "number"
    return type(value).__name__


def _assert_same_shape(seed: Any, ours: Any, where: str) -> None:
    if isinstance(seed, dict):
        assert isinstance(ours, dict), f"{where}: expected an object, got {ours!r}"
        missing = set(seed) - set(ours)
        assert not missing, f"{where}: missing {sorted(missing)}"
        for key, value in seed.items():
            _assert_same_shape(value, ours[key], f"{where}.{key}")
    elif isinstance(seed, list):
        assert isinstance(ours, list) and ours, f"{where}: expected a non-empty array"
        for item in seed[:1]:
            _assert_same_shape(item, ours[0], f"{where}[0]")
    elif seed is not None and ours is not None and where.rsplit(".", 1)[-1] not in KIND_MAY_DIFFER:
        assert _kind(seed) == _kind(ours), f"{where}: {seed!r} vs {ours!r}"


@pytest.fixture
def walked(redex_client: Any, sandbox: RunningSandbox, api: Api) -> dict[str, Any]:
    """Issue RECs for a new group and retire some: every seeded endpoint then has data."""
    _, device_id = approved_group(redex_client, sandbox, "SHAPE-INV")
    days = vintage_days()
    push(redex_client, daily("SHAPE-INV", days, "1000.000"))
    body = {"VintageFrom": days[0].isoformat(), "VintageTo": days[-1].isoformat(), "DeviceId": device_id}
    application = api.call("rec_applications.create_for_grouped_device", json=body).json()["Data"]["Id"]
    sandbox.admin("POST", f"applications/{application}/approve")
    beneficiary = api.call("beneficiaries.list").json()["Data"][0]["Id"]
    retirement = {"BeneficiaryId": beneficiary, "Quantity": 2, "Reason": "shape", "Registry": "IREC"}
    retirement_id = api.call("retirements.create", json=retirement).json()["Data"]["Id"]
    sandbox.admin("POST", f"applications/{retirement_id}/approve")
    return {"retirementApplicationId": retirement_id}


@pytest.mark.parametrize(
    ("seed", "route_name"),
    [
        ("rec_applications.json", "rec_applications.list"),
        ("rec_inventory.json", "inventories.list_recs"),
        ("rec_transaction_history.json", "inventories.list_transactions"),
        ("retirement_application_detail.json", "retirements.get"),
    ],
)
def test_answer_has_the_shape_of_the_seed_sample(
    seed: str, route_name: str, walked: dict[str, Any], api: Api
) -> None:
    sample = wire_json.loads((SEEDS / seed).read_text(encoding="utf-8"))
    path = walked if route_name == "retirements.get" else {}
    ours = wire_json.loads(api.call(route_name, path=path).content)
    assert set(ours) == set(sample)
    _assert_same_shape(sample, ours, route_name)
