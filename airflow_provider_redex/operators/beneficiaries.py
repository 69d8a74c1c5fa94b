"""Lifecycle step 5a: the beneficiary a retirement is made for.

A beneficiary is a standing record (a corporate customer), reused by every retirement for it.
The operator therefore always looks for one with the same name and type first and reuses it;
a duplicate would print the same name on certificates from two records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_redex.client.models.retirements import Beneficiary, BeneficiaryRequest
from airflow_provider_redex.operators.base import RedexCreatingOperator
from airflow_provider_redex.operators.exactly_once import fingerprint, id_of

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_redex.client.client import RedexClient


class RedexCreateBeneficiaryOperator(RedexCreatingOperator):
    """Return the id of the beneficiary with this name and type, creating it only if none exists.

    :param beneficiary: the beneficiary in REDEX's create fields (``BeneficiaryType``,
        ``BeneficiaryName``, ``CountryCode``, ``CorporateName`` ...) or snake_case (templated).
    :param unacknowledged_create_wait: see :class:`.RedexCreatingOperator` (default 300 s).
    :param recovered_id: see :class:`.RedexCreatingOperator`.
    :param resend_unconfirmed: see :class:`.RedexCreatingOperator`.
    :param redex_conn_id: the REDEX connection (default ``redex_default``).
    """

    lineage_output_kind = "beneficiaries"
    template_fields: Sequence[str] = ("beneficiary", "redex_conn_id")
    ledger_key = "redex_beneficiary"
    resource_name = "beneficiary"

    def __init__(self, *, beneficiary: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.beneficiary = beneficiary

    def execute(self, context: Context) -> str:
        request: BeneficiaryRequest = self.validated(BeneficiaryRequest, dict(self.beneficiary))
        with self.redex_client() as client:
            outcome = self.create_once(
                context,
                look_up_where=f"the beneficiaries named {request.beneficiary_name!r}",
                request_fingerprint=fingerprint(request.to_wire()),
                find_existing=lambda intent: _same_beneficiary(client, request),
                create=lambda: client.beneficiaries.create(request),
                to_id=id_of,
                crash_point_name="beneficiary",
                always_look_up=True,
            )
        verb = "Created" if outcome.created_now else "Reusing existing"
        self.log.info("%s beneficiary %r: %s", verb, request.beneficiary_name, outcome.resource_id)
        self.record_produced(context, outcome.resource_id, name=request.beneficiary_name, how=outcome.how)
        return str(outcome.resource_id)


def _same_beneficiary(client: RedexClient, request: BeneficiaryRequest) -> Beneficiary | None:
    """A beneficiary with the same name and, when REDEX says which, the same type."""
    for beneficiary in client.beneficiaries.list(search=request.beneficiary_name):
        if beneficiary.name != request.beneficiary_name:
            continue
        listed_type = beneficiary.beneficiary_type.value if beneficiary.beneficiary_type else None
        # REDEX's list may not carry the type (undocumented): a same-named one then counts.
        if listed_type is None or request.beneficiary_type is None or listed_type == request.beneficiary_type:
            return beneficiary
    return None
