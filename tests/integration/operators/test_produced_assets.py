"""What a creating operator produced, as Airflow records it: a real ``dag.test()`` run uploads
and registers against the sandbox; the metadata DB then holds an asset event for the concrete
``redex://`` device application, reached through the ``redex-device-applications`` alias, and
a run queued for a DAG scheduled on that alias."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from tests.helpers import harness

CONSUMER = """\
from airflow.sdk import DAG, AssetAlias

with DAG("redex_on_new_device_application", schedule=[AssetAlias("redex-device-applications")]):
    pass
"""


def test_registration_records_an_asset_event_a_dag_on_the_alias_is_queued_by(
    airflow_db: Path, redex_sandbox: Any, tmp_path: Path
) -> None:
    from airflow.models.asset import AssetAliasModel, AssetDagRunQueue, AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    _deploy_unpaused(airflow_db / "redex_on_new_device_application.py", CONSUMER)
    pdf = harness.searchable_pdf(tmp_path / "odf.pdf")
    device = harness.grouped_device_request("SunAsset", "")
    result = harness.run_dag(
        airflow_db,
        "redex_produces_assets",
        textwrap.dedent(f"""\
            up = RedexUploadDocumentOperator(task_id='up', path={str(pdf)!r})
            reg = RedexRegisterGroupedDeviceOperator(
                task_id='reg', grouped_device={device!r}, declaration_form_file_id=up.output['file_id'])
        """),
    )
    assert result.state == "success", result
    host = redex_sandbox.url.split("://", 1)[1]
    uri = f"redex://{host}/device-applications/{result.xcoms['reg']}"
    document_uri = f"redex://{host}/documents/{result.xcoms['up']['file_id']}"

    with create_session() as session:
        asset = session.scalars(select(AssetModel).where(AssetModel.uri == uri)).one()
        (event,) = session.scalars(select(AssetEvent).where(AssetEvent.asset_id == asset.id)).all()
        assert (event.source_dag_id, event.source_task_id) == ("redex_produces_assets", "reg")
        assert event.extra == {"name": "SunAsset", "how": "created"}
        assert [alias.name for alias in event.source_aliases] == ["redex-device-applications"]
        alias = session.scalars(
            select(AssetAliasModel).where(AssetAliasModel.name == "redex-device-applications")
        ).one()
        assert uri in {a.uri for a in alias.assets}
        assert session.scalars(select(AssetModel).where(AssetModel.uri == document_uri)).one()
        queued = session.scalars(
            select(AssetDagRunQueue.target_dag_id).where(AssetDagRunQueue.asset_id == asset.id)
        ).all()
    assert queued == ["redex_on_new_device_application"]


def _deploy_unpaused(path: Path, source: str) -> None:
    """Write a DAG into the DAGs folder, sync it to the metadata DB as the DAG processor would,
    and unpause it (new DAGs start paused, and a paused DAG is never queued)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    path.write_text(source)
    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    (bundle,) = [b for b in manager.get_all_dag_bundles() if Path(b.path) == path.parent]
    bag = BundleDagBag(dag_folder=str(path), bundle_path=bundle.path, bundle_name=bundle.name)
    sync_bag_to_db(bag, bundle.name, bundle.version)
    with create_session() as session:
        session.execute(update(DagModel).where(DagModel.dag_id.in_(bag.dag_ids)).values(is_paused=False))
