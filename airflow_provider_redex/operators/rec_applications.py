"""Lifecycle step 4: apply for REC issuance over a vintage window.

The window and the quantity can be given, or derived the way an asset owner would:

* start: the earliest date the residual-mix rule still allows (``rules.earliest_claimable_date``,
  31 May / 30 September deadlines), or the day after the device's latest application, if later;
* quantity: the device's generation over the window (G6), in MWh, cut (never rounded up) to
  6 decimals by ``rules.mwh_from_kwh``: claiming more than was generated is what REDEX refuses.

A window overlapping an existing application of the device is refused before the POST
(REDEX answers 422 for it, BR15). Only rejected and withdrawn applications release their window;
one returned for resubmission (``ToReSubmit``) still holds it: it goes back to ``InProgress``
once edited (API_REFERENCE 13.4), although a sensor treats it as a failure.

Exactly once: the window is the natural key. A retry after an unacknowledged POST looks for an
application of the device with the same window (for ``unacknowledged_create_wait``, as REDEX may
list it late); if REDEX then answers 422 because the window overlaps, the application it
overlaps is adopted when it is the same request (window and quantity), since it is the one the
earlier try made.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import TypeAdapter, ValidationError

from airflow_provider_redex.client.errors import RedexUnprocessableError
from airflow_provider_redex.client.models import rules
from airflow_provider_redex.client.models.common import RecQuantity
from airflow_provider_redex.client.models.devices import GenerationDataFrequency
from airflow_provider_redex.client.models.rec_applications import (
    GroupedDeviceRecApplicationRequest,
    RecApplication,
)
from airflow_provider_redex.links import RedexRecApplicationLink
from airflow_provider_redex.operators.base import RedexCreatingOperator, RedexRefusal
from airflow_provider_redex.operators.exactly_once import (
    CreationLedger,
    Outcome,
    fingerprint,
    id_of,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_redex.client.client import RedexClient


_QUANTITY: TypeAdapter[Decimal] = TypeAdapter(RecQuantity)


class RedexCreateRecApplicationOperator(RedexCreatingOperator):
    """Apply for issuance of RECs for an approved grouped device; return the application id.

    :param device_id: the approved device's id (``DeviceId``, from the device application
        sensor's result), not the application id (templated).
    :param vintage_to: last day of the window, ``YYYY-MM-DD``; default yesterday (templated).
    :param vintage_from: first day; default derived (see the module docstring) (templated).
    :param quantity: RECs (MWh, at most 6 decimals, text or Decimal); default the window's
        generation (templated).
    :param unacknowledged_create_wait: see :class:`.RedexCreatingOperator` (default 300 s).
    :param recovered_id: see :class:`.RedexCreatingOperator`.
    :param resend_unconfirmed: see :class:`.RedexCreatingOperator`.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    operator_extra_links = (RedexRecApplicationLink(),)
    lineage_output_kind = "rec-applications"
    template_fields: Sequence[str] = ("device_id", "vintage_from", "vintage_to", "quantity", "redex_conn_id")
    ledger_key = "redex_rec_application"
    resource_name = "REC application"

    def __init__(
        self,
        *,
        device_id: str,
        vintage_to: str | date | None = None,
        vintage_from: str | date | None = None,
        quantity: str | Decimal | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.device_id = device_id
        self.vintage_to = vintage_to
        self.vintage_from = vintage_from
        self.quantity = quantity

    def execute(self, context: Context) -> str:
        ledger = self.ledger(context)
        if (recorded := self.already_created(ledger)) is not None:
            self.log.info(
                "REC application %s was created by an earlier try of this task; not applying again", recorded
            )
            self.record_produced(context, recorded, device_id=self.device_id, how="recorded")
            return str(recorded)
        self._check_given_arguments()
        with self.redex_client() as client:
            existing = list(client.rec_applications.list(device_id=self.device_id))
            request = self._request_of_earlier_try(ledger) or self._request(client, existing)
            outcome = self.create_once(
                context,
                look_up_where=f"the REC applications of device {self.device_id}",
                request_fingerprint=fingerprint(request.to_wire()),
                keep_request=request.to_wire(),
                find_existing=lambda intent: _same_request(self._applications(client), request),
                create=lambda: self._create(client, request, existing),
                to_id=id_of,
                crash_point_name="rec_application",
                # The window overlaps one REDEX does not list yet: most likely the earlier try's own.
                refused_as_duplicate=lambda error: isinstance(error, RedexUnprocessableError),
            )
        self._log_outcome(request, outcome)
        self.record_produced(context, outcome.resource_id, device_id=self.device_id, how=outcome.how)
        return str(outcome.resource_id)

    def _check_given_arguments(self) -> None:
        """Refuse what is wrong in the arguments given before any request (the rest is derived)."""
        problems = []
        try:
            UUID(str(self.device_id).strip())
        except ValueError:
            problems.append(f"device_id must be the approved device's id (a UUID), not {self.device_id!r}")
        if self.quantity not in (None, ""):
            try:
                _QUANTITY.validate_python(self.quantity)
            except ValidationError as err:
                rule = "; ".join(str(e.get("ctx", {}).get("error") or e["msg"]) for e in err.errors())
                problems.append(f"quantity {self.quantity!r}: {rule}")
        start, end = _day(self.vintage_from, "vintage_from"), _day(self.vintage_to, "vintage_to")
        if start and end and start > end:
            problems.append(f"vintage_from {start} is after vintage_to {end}")
        if problems:
            raise RedexRefusal("; ".join(problems) + "; nothing was sent to REDEX")

    def _request_of_earlier_try(self, ledger: CreationLedger) -> GroupedDeviceRecApplicationRequest | None:
        """The request an earlier try derived, if it got as far as recording it.

        Deriving again would see that try's own application and move the window past it.
        """
        earlier = ledger.intent()
        if earlier is None or earlier.request is None:
            return None
        return GroupedDeviceRecApplicationRequest.from_input(earlier.request)

    def _request(
        self, client: RedexClient, existing: list[RecApplication]
    ) -> GroupedDeviceRecApplicationRequest:
        """The validated request: window and quantity, given or derived."""
        vintage_to = _day(self.vintage_to, "vintage_to") or rules.today_earliest() - timedelta(days=1)
        vintage_from = _day(self.vintage_from, "vintage_from") or _first_unclaimed(existing)
        if vintage_from > vintage_to:
            raise RedexRefusal(
                f"nothing to claim: the window would start {vintage_from} after it ends {vintage_to}"
            )
        quantity = self.quantity if self.quantity not in (None, "") else None
        if quantity is None:
            quantity = self._generated_mwh(client, vintage_from, vintage_to)
        data = {"device_id": self.device_id, "vintage_from": vintage_from, "vintage_to": vintage_to}
        result: GroupedDeviceRecApplicationRequest = self.validated(
            GroupedDeviceRecApplicationRequest, {**data, "quantity": quantity}
        )
        return result

    def _generated_mwh(self, client: RedexClient, vintage_from: date, vintage_to: date) -> Decimal:
        period: tuple[str, str] = (vintage_from.isoformat(), vintage_to.isoformat())
        if _data_frequency(client, self.device_id) is GenerationDataFrequency.MONTHLY:
            # G6 takes yyyy-MM for a monthly device and refuses a day (400 InvalidPeriodFormat).
            period = (f"{vintage_from:%Y-%m}", f"{vintage_to:%Y-%m}")
        total = client.generation.sum_period(self.device_id, vintage_from=period[0], vintage_to=period[1])
        mwh = rules.mwh_from_kwh(total.total_period_production_in_kwh)
        self.log.info(
            "Device %s generated %s kWh from %s to %s: %s RECs (MWh, cut to 6 decimals)",
            self.device_id,
            total.total_period_production_in_kwh,
            vintage_from,
            vintage_to,
            mwh,
        )
        if mwh < rules.REC_QUANTITY_MIN:
            raise RedexRefusal(
                f"device {self.device_id} generated no claimable energy from {vintage_from} to {vintage_to}"
            )
        return mwh

    def _applications(self, client: RedexClient) -> list[RecApplication]:
        return list(client.rec_applications.list(device_id=self.device_id))

    def _create(
        self, client: RedexClient, request: GroupedDeviceRecApplicationRequest, existing: list[RecApplication]
    ) -> Any:
        clash = next((a for a in _holding_window(existing) if _overlaps(a, request)), None)
        if clash is not None:
            raise RedexRefusal(
                f"the window {request.vintage_from} to {request.vintage_to} overlaps REC application "
                f"{clash.application_number} ({clash.vintage_from.date()} to {clash.vintage_to.date()}, "
                f"{clash.status.value.value}) of device {self.device_id}"
            )
        return client.rec_applications.create_for_grouped_device(request)

    def _log_outcome(self, request: GroupedDeviceRecApplicationRequest, outcome: Outcome) -> None:
        what = f"{request.quantity} RECs for {request.vintage_from} to {request.vintage_to}"
        if outcome.created_now:
            self.log.info("Applied for %s: REC application %s", what, outcome.resource_id)
        else:
            self.log.info(
                "Did not apply again for %s: REC application %s already exists", what, outcome.resource_id
            )


def _day(value: str | date | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RedexRefusal(f"{name} must be a date YYYY-MM-DD, not {value!r}") from None


def _data_frequency(client: RedexClient, device_id: str) -> GenerationDataFrequency | None:
    """How the device sends generation data, from its application (D2 lists the device id)."""
    for application in client.device_applications.list():
        if str(application.device_id) == str(device_id).strip().lower():
            return application.generation_data_frequency
    return None


def _holding_window(existing: list[RecApplication]) -> list[RecApplication]:
    """Applications whose window is taken: all but the rejected and withdrawn ones."""
    return [a for a in existing if a.status.value.holds_window]


def _first_unclaimed(existing: list[RecApplication]) -> date:
    earliest = rules.earliest_claimable_date(rules.today_earliest())
    taken = [a.vintage_to.date() for a in _holding_window(existing)]
    return max([earliest, *(day + timedelta(days=1) for day in taken)])


def _overlaps(application: RecApplication, request: GroupedDeviceRecApplicationRequest) -> bool:
    return (
        application.vintage_from.date() <= request.vintage_to
        and request.vintage_from <= application.vintage_to.date()
    )


def _same_request(
    existing: list[RecApplication], request: GroupedDeviceRecApplicationRequest
) -> RecApplication | None:
    """The application an earlier try's POST made: the same window and, when given, quantity."""
    for application in _holding_window(existing):
        same = (application.vintage_from.date(), application.vintage_to.date()) == (
            request.vintage_from,
            request.vintage_to,
        )
        if same and request.quantity in (None, application.quantity):
            return application
    return None
