"""Operators for the REDEX lifecycle steps, one module per step."""

from __future__ import annotations

from airflow_provider_redex.operators.beneficiaries import RedexCreateBeneficiaryOperator
from airflow_provider_redex.operators.certificates import RedexDownloadRetirementCertificateOperator
from airflow_provider_redex.operators.deadlines import RedexResidualMixDeadlineAlertOperator
from airflow_provider_redex.operators.devices import RedexRegisterGroupedDeviceOperator
from airflow_provider_redex.operators.documents import RedexUploadDocumentOperator
from airflow_provider_redex.operators.exports import (
    RedexExportInventoryOperator,
    RedexExportTransactionsOperator,
)
from airflow_provider_redex.operators.generation import RedexPushGenerationDataOperator
from airflow_provider_redex.operators.rec_applications import RedexCreateRecApplicationOperator
from airflow_provider_redex.operators.reconcile import RedexReconcileOperator
from airflow_provider_redex.operators.retirements import RedexCreateRetirementOperator

__all__ = [
    "RedexCreateBeneficiaryOperator",
    "RedexCreateRecApplicationOperator",
    "RedexCreateRetirementOperator",
    "RedexDownloadRetirementCertificateOperator",
    "RedexExportInventoryOperator",
    "RedexExportTransactionsOperator",
    "RedexPushGenerationDataOperator",
    "RedexReconcileOperator",
    "RedexRegisterGroupedDeviceOperator",
    "RedexResidualMixDeadlineAlertOperator",
    "RedexUploadDocumentOperator",
]
