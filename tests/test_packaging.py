"""The installed package holds every module and data file, not only the editable checkout.

CI runs from an editable install, which finds any module in the source tree;
a plain `pip install .` installs only what pyproject.toml names. This test
fails when a new subpackage or data folder is not named there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).parent.parent


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    listed = set(config["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "backprop_cli").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, f"missing from [tool.setuptools] packages: {sorted(found - listed)}"
    assert (
        "backprop_cli.problems" in listed
        and config["package-dir"]["backprop_cli.problems"] == "problems"
    )


def test_every_data_folder_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    data = config["package-data"]
    assert data["backprop_cli.problems"] == ["*.yaml"]
    assert "templates/*.yaml" in data["backprop_cli.author"]
    assert list((ROOT / "backprop_cli" / "author" / "templates").glob("*.yaml"))
