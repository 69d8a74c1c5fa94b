"""Run event triggers the way Airflow's triggerer runs them, in this process (tests and bench).

The triggerer subscribes every ``BaseEventTrigger`` whose ``shared_stream_key()`` is not
``None`` to a ``SharedStreamManager`` and feeds the broadcast to the trigger's
``filter_shared_stream`` (``airflow/jobs/triggerer_job_runner.py``, ``run_trigger``). This driver
does exactly that, with Airflow's own manager, and records when each trigger received a raw event
and whether that event covered the trigger's ids: the proof that every waiting trigger saw a
fresh reading each interval.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass, field
from typing import Any

from airflow.triggers.base import BaseEventTrigger
from airflow.triggers.shared_stream import SharedStreamManager


@dataclass
class Delivery:
    """What one trigger received from its shared stream."""

    at: list[float] = field(default_factory=list)
    """``time.monotonic()`` of each raw event that covered the trigger's ids."""


class TriggererDriver:
    """Subscribe triggers to shared streams and run their filters as asyncio tasks."""

    def __init__(self) -> None:
        self.manager = SharedStreamManager()
        self.tasks: list[asyncio.Task[list[Any]]] = []
        self.deliveries: list[Delivery] = []

    def start(self, trigger: BaseEventTrigger, *, alone: bool = False) -> asyncio.Task[list[Any]]:
        """Start ``trigger`` as the triggerer would; the task's result is its event payloads.

        :param alone: run the trigger's own ``run()`` instead, as before shared streams (and as
            ``airflow dags test`` does): the baseline the shared poll is compared with.
        """
        trigger_id = len(self.tasks)
        delivery = Delivery()
        self.deliveries.append(delivery)
        task = asyncio.create_task(self._run(trigger_id, trigger, delivery, alone))
        self.tasks.append(task)
        return task

    async def _run(
        self, trigger_id: int, trigger: BaseEventTrigger, delivery: Delivery, alone: bool
    ) -> list[Any]:
        key = None if alone else trigger.shared_stream_key()
        if key is None:
            return [event.payload async for event in trigger.run()]
        stream = self.manager.subscribe(trigger_id=trigger_id, trigger=trigger, key=key)
        try:
            watched = _recorded(stream, trigger, delivery)
            return [event.payload async for event in trigger.filter_shared_stream(watched)]
        finally:
            await self.manager.unsubscribe(trigger_id, key)

    @property
    def groups(self) -> list[Hashable]:
        """The keys of the shared polls running now."""
        return list(self.manager._groups)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.manager.stop_all()


async def _recorded(stream: AsyncIterator[Any], trigger: Any, delivery: Delivery) -> AsyncIterator[Any]:
    keys = {trigger.target.key(i) for i in getattr(trigger, "resource_ids", ())}
    async for raw in stream:
        models = getattr(raw, "models", {})
        if keys <= models.keys():
            delivery.at.append(time.monotonic())
        yield raw


def pending_retirements(redex: Any, count: int, *, reason: str) -> list[str]:
    """``count`` small retirements (0.01 REC each) from the account's inventory, still undecided.

    :param redex: a sync ``RedexClient`` on the account (the sandbox's sample inventory will do).
    """
    item = next(i for i in redex.inventories.list_recs() if i.available >= 1)
    beneficiary = redex.beneficiaries.create(
        {
            "BeneficiaryType": "Corporate",
            "BeneficiaryName": "Waiting Co",
            "CountryCode": "SG",
            "CorporateName": "Waiting Co Pte",
            "CorporateAddress": "1 Fusionopolis Way",
        }
    ).id
    body = {
        "BeneficiaryId": beneficiary,
        "Quantity": "0.01",
        "Reason": reason,
        "Registry": item.registry.value.value,
        "VintageYear": item.vintage_year,
    }
    return [str(redex.retirements.create(body).id) for _ in range(count)]
