"""The layering of DESIGN.md and the no-cycle rules are contracts (pyproject.toml's
[tool.importlinter]), checked here by ``lint-imports`` as ``make lint`` checks them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# a small tree shaped like ours, every import its contracts allow (or name as exceptions)
ALLOWED = {
    "callcenter/__init__.py": "",
    "callcenter/db.py": "",
    "callcenter/cli.py": "import callcenter.db\n",
    "callcenter/__main__.py": "import callcenter.cli\nimport web.serve\n",
    "ami/__init__.py": "",
    "ami/link.py": "import callcenter.db\n",
    "web/__init__.py": "",
    "web/pbx.py": "import ami.link\n",
    "web/app.py": "import web.pbx\nimport callcenter.cli\n",
    "web/serve.py": "import web.app\n",
    "web/api/__init__.py": "",
    "web/views/__init__.py": "",
}


def lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_contract_of_the_project_is_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _layering_only(tmp_path: Path) -> Path:
    """The project's layering contracts (not the per-package ones) over a tree of our shape."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = [c for c in config["contracts"] if c["type"] in ("forbidden", "independence")]
    lines = ["[tool.importlinter]", 'root_packages = ["callcenter", "ami", "web"]']
    lines += ["include_external_packages = true", ""]
    for contract in contracts:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {_toml(value)}" for key, value in contract.items()]
        lines.append("")
    (tmp_path / "pyproject.toml").write_text("\n".join(lines))
    for path, text in ALLOWED.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return tmp_path


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_a_tree_that_keeps_the_layering_passes(tmp_path):
    done = lint_imports(_layering_only(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        ("callcenter/cli.py", "import web.app\n", "callcenter.cli -> web.app"),
        ("callcenter/db.py", "import ami.link\n", "callcenter.db -> ami.link"),
        ("callcenter/db.py", "import aiohttp\n", "callcenter.db -> aiohttp"),
        ("ami/link.py", "import web.serve\n", "ami.link -> web.serve"),
        ("web/app.py", "import ami.link\n", "web.app -> ami.link"),
        ("web/api/__init__.py", "import web.views\n", "web.api -> web.views"),
    ],
)
def test_an_import_across_the_layers_breaks_a_contract(tmp_path, module, line, named):
    tree = _layering_only(tmp_path)
    (tree / module).write_text((tree / module).read_text() + line)
    done = lint_imports(tree)
    assert done.returncode == 1, done.stdout + done.stderr
    assert named in done.stdout


def test_a_cycle_among_the_imports_modules_breaks_it_even_through_a_function(tmp_path):
    """An import inside a function is still an import: it cannot hide a cycle."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    acyclic = [c for c in config["contracts"] if c["type"] == "acyclic_siblings"]
    assert any("callcenter.imports" in c["ancestors"] for c in acyclic)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.importlinter]\nroot_packages = ["callcenter"]\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "imports"\ntype = "acyclic_siblings"\nancestors = ["callcenter.imports"]\n'
    )
    package = tmp_path / "callcenter" / "imports"
    package.mkdir(parents=True)
    (tmp_path / "callcenter" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "clients.py").write_text("from callcenter.imports import client_writer\n")
    (package / "client_writer.py").write_text("")
    assert lint_imports(tmp_path).returncode == 0
    (package / "client_writer.py").write_text(
        "def link():\n    from callcenter.imports.clients import ClientRecord\n"
    )
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "No cycles are allowed in callcenter.imports" in done.stdout
