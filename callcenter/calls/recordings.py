"""Recordings stay where Asterisk writes them; the CRM reads them from a mounted directory."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from callcenter.errors import NotFound
from callcenter.i18n import N_


def recording_path(recording: str, *, recordings_dir: Path | None, pbx_dir: str) -> Path:
    """The local file of a call's recording (as Asterisk named it: a path on the PBX, or just
    a file name). Anything that would leave ``recordings_dir`` is refused."""
    if recordings_dir is None:
        raise NotFound(N_("Recordings are not configured on this installation"))
    if not recording:
        raise NotFound(N_("This call has no recording"))
    name = PurePosixPath(recording)
    pbx_root = PurePosixPath(pbx_dir)
    relative = (
        name.relative_to(pbx_root)
        if name.is_relative_to(pbx_root)
        else (PurePosixPath(name.name) if name.is_absolute() else name)
    )
    root = recordings_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(N_("The recording file is not there"))
    return path
