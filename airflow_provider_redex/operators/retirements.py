"""Lifecycle step 5b: retire RECs for a beneficiary.

Before applying, the operator adds up what the account has ``Available`` among the REC items
that match the request (registry, vintage year, countries, energy values, or the pinned
``RecItems``) and refuses with the shortfall when it is not enough: REDEX would refuse too,
but only after the request, and without saying by how much.

Exactly once: a retirement has no natural key, so a retry after a crash between the POST
and the store write looks for an application with the same beneficiary, quantity, vintage
year and reason created since the earlier try's intent (see :mod:`.exactly_once`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from airflow_provider_redex.client.models.inventory import RecItem
from airflow_provider_redex.client.models.retirements import RetirementApplication, RetirementRequest
from airflow_provider_redex.links import RedexRetirementLink
from airflow_provider_redex.operators.base import RedexCreatingOperator, RedexRefusal
from airflow_provider_redex.operators.exactly_once import Intent, fingerprint, id_of, made_after

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_redex.client.client import RedexClient


class RedexCreateRetirementOperator(RedexCreatingOperator):
    """Apply to retire RECs; return the retirement application id.

    :param beneficiary_id: from ``RedexCreateBeneficiaryOperator`` (templated).
    :param quantity: RECs to retire (MWh, at most 6 decimals) (templated).
    :param reason: why, printed on the certificate (at most 500 characters) (templated).
    :param registry: ``IREC`` or ``TIGR`` (templated).
    :param vintage_year: vintage of the RECs to use (templated).
    :param consumption_start_time: start of the consumption claimed (templated).
    :param consumption_end_time: end of the consumption claimed (templated).
    :param countries: only RECs from these countries (ISO alpha-2) (templated).
    :param energy_values: only RECs of these energies, e.g. ``["Solar"]`` (templated).
    :param rec_items: pin REC items: ``[{"RecItemId": ..., "Quantity": ...}]`` (templated).
    :param unacknowledged_create_wait: see :class:`.RedexCreatingOperator` (default 300 s).
    :param recovered_id: see :class:`.RedexCreatingOperator`.
    :param resend_unconfirmed: see :class:`.RedexCreatingOperator`.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    operator_extra_links = (RedexRetirementLink(),)
    lineage_output_kind = "retirements"
    template_fields: Sequence[str] = (
        "beneficiary_id",
        "quantity",
        "reason",
        "registry",
        "vintage_year",
        "consumption_start_time",
        "consumption_end_time",
        "countries",
        "energy_values",
        "rec_items",
        "redex_conn_id",
    )
    ledger_key = "redex_retirement"
    resource_name = "retirement"

    def __init__(
        self,
        *,
        beneficiary_id: str,
        quantity: str | Decimal,
        reason: str,
        registry: str = "IREC",
        vintage_year: int | str | None = None,
        consumption_start_time: str | None = None,
        consumption_end_time: str | None = None,
        countries: Sequence[str] | None = None,
        energy_values: Sequence[str] | None = None,
        rec_items: Sequence[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.beneficiary_id = beneficiary_id
        self.quantity = quantity
        self.reason = reason
        self.registry = registry
        self.vintage_year = vintage_year
        self.consumption_start_time = consumption_start_time
        self.consumption_end_time = consumption_end_time
        self.countries = countries
        self.energy_values = energy_values
        self.rec_items = rec_items

    def execute(self, context: Context) -> str:
        request: RetirementRequest = self.validated(RetirementRequest, self._request_data())
        with self.redex_client() as client:
            outcome = self.create_once(
                context,
                look_up_where=f"the retirement applications of registry {request.registry.value}",
                request_fingerprint=fingerprint(request.to_wire()),
                find_existing=lambda intent: _submitted_since(client, request, intent),
                create=lambda: self._create(client, request),
                to_id=id_of,
                crash_point_name="retirement",
            )
        verb = "Applied" if outcome.created_now else "Did not apply again (an earlier try did)"
        self.log.info(
            "%s to retire %s RECs: retirement application %s", verb, request.quantity, outcome.resource_id
        )
        self.record_produced(context, outcome.resource_id, quantity=request.quantity, how=outcome.how)
        return str(outcome.resource_id)

    def _request_data(self) -> dict[str, Any]:
        data = {
            "beneficiary_id": self.beneficiary_id,
            "quantity": self.quantity,
            "reason": self.reason,
            "registry": self.registry,
            "vintage_year": self.vintage_year or None,
            "consumption_start_time": self.consumption_start_time or None,
            "consumption_end_time": self.consumption_end_time or None,
            "countries": list(self.countries) if self.countries else None,
            "energy_values": list(self.energy_values) if self.energy_values else None,
            "rec_items": list(self.rec_items) if self.rec_items else None,
        }
        return data

    def _create(self, client: RedexClient, request: RetirementRequest) -> Any:
        available = available_quantity(client.inventories.list_recs(registries=[request.registry]), request)
        if available < request.quantity:
            raise RedexRefusal(
                f"not enough RECs to retire {request.quantity}: {available} available for "
                f"{_describe_filters(request)}; short by {request.quantity - available}"
            )
        self.log.info(
            "%s RECs available for %s; applying to retire %s",
            available,
            _describe_filters(request),
            request.quantity,
        )
        return client.retirements.create(request)


def available_quantity(items: Iterable[RecItem], request: RetirementRequest) -> Decimal:
    """What the account can retire for ``request``: ``Available`` summed over matching items."""
    if request.rec_items:
        pinned = {item.rec_item_id: item.quantity for item in request.rec_items}
        return sum((min(i.available, pinned[i.id]) for i in items if i.id in pinned), Decimal(0))
    return sum((item.available for item in items if _matches(item, request)), Decimal(0))


def _matches(item: RecItem, request: RetirementRequest) -> bool:
    if request.vintage_year is not None and item.vintage_year != request.vintage_year:
        return False
    if request.countries and item.country_code not in request.countries:
        return False
    energies = {e.lower() for e in request.energy_values or ()}
    return not energies or (item.energy_value or item.fuel_type or "").lower() in energies


def _describe_filters(request: RetirementRequest) -> str:
    parts = [f"registry {request.registry.value}"]
    if request.vintage_year is not None:
        parts.append(f"vintage {request.vintage_year}")
    if request.countries:
        parts.append(f"countries {', '.join(request.countries)}")
    if request.energy_values:
        parts.append(f"energies {', '.join(request.energy_values)}")
    if request.rec_items:
        parts.append(f"{len(request.rec_items)} pinned REC items")
    return ", ".join(parts)


def _submitted_since(
    client: RedexClient, request: RetirementRequest, intent: Intent
) -> RetirementApplication | None:
    """The retirement an earlier try's POST made: same beneficiary, amount, vintage and reason."""
    for application in client.retirements.list(registries=[request.registry]):
        same = (
            application.beneficiary_id == request.beneficiary_id
            and application.amount == request.quantity
            and application.vintage_year == request.vintage_year
            and application.reason in (None, request.reason)
        )
        if same and made_after(application.created_time, intent):
            return application
    return None
