"""The backup file: a manifest and a payload in a tar archive, written atomically, read with
checks that turn a damaged or foreign file into a sentence a person can act on."""

import hashlib
import io
import json
import os
import tarfile
from dataclasses import asdict, dataclass
from pathlib import Path

from api.errors import AppError

FORMAT = 1
MANIFEST = "manifest.json"
PAYLOAD = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1 << 20


class BackupError(AppError):
    """A backup that cannot be made or used; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    format: int
    engine: str
    revision: str
    created_at: str
    tellus_version: str
    payload: str
    payload_sha256: str
    payload_bytes: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(*, path: Path, manifest: Manifest, payload: Path) -> None:
    """Write the archive beside `path` under a temporary name, owner-only, flushed to disk, then
    move it into place: a half-written backup never has the final name."""
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as output, tarfile.open(fileobj=output, mode="w") as tar:
            data = json.dumps(asdict(manifest), indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(payload, arcname=manifest.payload, filter=_owner_only)
            tar.close()
            output.flush()
            os.fsync(output.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def read_manifest(path: Path) -> Manifest:
    """The archive's manifest, or BackupError when the file is not a whole Tellus backup."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            raw = json.loads(member.read())
    except FileNotFoundError as error:
        raise BackupError(f"There is no file at {path}.") from error
    except (tarfile.TarError, KeyError, json.JSONDecodeError, EOFError, OSError) as error:
        raise BackupError(
            f"{path} is not a Tellus backup, or it is damaged (no readable manifest)."
        ) from error
    try:
        manifest = Manifest(**raw)
    except TypeError as error:
        raise BackupError(f"{path} has a manifest this Tellus does not understand.") from error
    if manifest.format != FORMAT or manifest.engine not in PAYLOAD:
        raise BackupError(f"{path} is a backup format this Tellus does not understand.")
    return manifest


def extract_payload(*, path: Path, manifest: Manifest, into: Path) -> Path:
    """The payload, unpacked into `into` and checked against the manifest's size and SHA-256."""
    target = into / manifest.payload
    try:
        with tarfile.open(path, mode="r:") as tar:
            member = tar.extractfile(manifest.payload)
            if member is None:
                raise KeyError(manifest.payload)
            with target.open("wb") as output:
                while chunk := member.read(CHUNK):
                    output.write(chunk)
    except (tarfile.TarError, KeyError, EOFError, OSError) as error:
        raise BackupError(
            f"{path} is incomplete or damaged: its database could not be read."
        ) from error
    if (
        target.stat().st_size != manifest.payload_bytes
        or file_sha256(target) != manifest.payload_sha256
    ):
        raise BackupError(
            f"{path} is incomplete or damaged: its database does not match its manifest "
            "(a copy cut short?). Use another backup."
        )
    return target


def _owner_only(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def _sync_folder(folder: Path) -> None:
    """The rename itself survives a crash once the folder is flushed too."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
