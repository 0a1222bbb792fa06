"""asterisk-config/ loads into a real Asterisk with every module the CRM relies on: each
module's own config file has what the module needs to load (checked from the files, as
Asterisk reads them: sections in brackets, ``key = value``, ``;`` comments)."""

from __future__ import annotations

from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "asterisk-config"


def _sections(name: str) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in (CONFIG / name).read_text().splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("[") and "]" in line:
            current = sections.setdefault(line[1 : line.index("]")], {})
        elif "=" in line and current is not None:
            key, value = line.split("=", 1)
            current[key.strip().rstrip(">")] = value.strip()
    return sections


def test_cdr_csv_has_its_section_so_the_master_csv_is_written() -> None:
    cdr = _sections("cdr.conf")
    assert cdr["general"]["enable"] == "yes"
    csv = cdr["csv"]  # cdr_csv declines to load without it
    assert csv["usegmtime"] == "yes" and csv["loguniqueid"] == "yes"
    assert csv["newcdrcolumns"] == "yes"  # the Linkedid the CRM matches calls by


def test_amd_conf_exists_for_the_dialers_answering_machine_detection() -> None:
    """The dialer's context calls AMD() when DIALER_AMD = yes: app_amd needs amd.conf."""
    assert "AMD()" in (CONFIG / "extensions.conf").read_text()
    general = _sections("amd.conf")["general"]
    for key in ("total_analysis_time", "initial_silence", "greeting", "maximum_number_of_words"):
        assert general[key].isdigit() and int(general[key]) > 0, key
    assert int(general["greeting"]) < int(general["total_analysis_time"])


def test_every_module_config_the_crm_relies_on_is_there() -> None:
    for name in ("manager.conf", "cdr_manager.conf", "cel.conf", "queues.conf", "amd.conf"):
        assert _sections(name), f"{name} has no section"
    assert _sections("cdr_manager.conf")["general"]["enabled"] == "yes"
