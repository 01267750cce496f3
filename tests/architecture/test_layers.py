"""The layers of docs/architecture.md hold, and the check that holds them can fail: an upward
import planted in a copy of the tree breaks `lint-imports` (what `make lint` runs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import ROOT

PACKAGES = ("core", "adapters", "alerting", "simulators", "gateway", "reports", "api", "siteguard")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and the contracts, to plant imports in."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def plant(module: Path, line: str) -> None:
    module.write_text(module.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", "utf-8")


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "says"),
    [
        ("core/clock.py", "import gateway.hub", "core is not allowed to import gateway"),
        ("gateway/hub.py", "import api.auth", "gateway is not allowed to import api"),
        ("alerting/book.py", "import simulators.message", "alerting is not allowed to import"),
        (
            "gateway/store/alarms.py",
            "import gateway.notify.dispatcher",
            "gateway.store is not allowed to import gateway.notify",
        ),
        ("adapters/vendor.py", "import sqlalchemy", "adapters is not allowed to import sqlalchemy"),
    ],
)
def test_an_import_that_points_up_fails_lint(tree: Path, module: str, line: str, says: str) -> None:
    plant(tree / module, line)
    result = lint_imports(tree)
    assert result.returncode != 0
    assert says in result.stdout, result.stdout


def test_the_drawn_graph_is_current_and_points_down() -> None:
    doc = ROOT / "docs/architecture.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools/depgraph.py"), "--check", str(doc)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_the_graph_names_an_upward_arrow() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import depgraph
    finally:
        sys.path.remove(str(ROOT / "tools"))
    order = [["api"], ["gateway", "reports"], ["core"]]
    arrows = {("api", "core"): 3, ("core", "gateway"): 1, ("gateway", "reports"): 2}
    assert depgraph.upward(order, arrows) == ["core -> gateway", "gateway -> reports"]
