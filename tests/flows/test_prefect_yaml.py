"""Every deployment in prefect.yaml must point at a flow that imports, with valid parameters."""

import yaml

from tests.conftest import ROOT


def test_every_entrypoint_imports_and_its_parameters_validate() -> None:
    from prefect.flows import load_flow_from_entrypoint

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert config["deployments"]
    for deployment in config["deployments"]:
        flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
        validated = flow.validate_parameters(deployment.get("parameters", {}))
        assert isinstance(validated["sources"], list)
