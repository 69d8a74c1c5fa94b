"""One router per REDEX API area; :data:`ROUTERS` is what the app includes."""

from __future__ import annotations

from fastapi import APIRouter

from airflow_provider_redex.sandbox.api.auth import router as auth_router
from airflow_provider_redex.sandbox.api.devices import router as devices_router
from airflow_provider_redex.sandbox.api.documents import router as documents_router
from airflow_provider_redex.sandbox.api.exchange import router as exchange_router
from airflow_provider_redex.sandbox.api.generation import router as generation_router
from airflow_provider_redex.sandbox.api.inventories import router as inventories_router
from airflow_provider_redex.sandbox.api.rec_applications import router as rec_applications_router
from airflow_provider_redex.sandbox.api.reference import router as reference_router
from airflow_provider_redex.sandbox.api.retirements import router as retirements_router

ROUTERS: tuple[APIRouter, ...] = (
    auth_router,
    documents_router,
    devices_router,
    generation_router,
    inventories_router,
    rec_applications_router,
    retirements_router,
    reference_router,
    exchange_router,
)
