"""Instance files in and out of the API: uploads read by the core, downloads written by it.

An upload (a zip of CSV files, an XLSX workbook or a JSON document) is written to a private
temporary folder under a name the service makes, never the client's, and read with
``budgetopt.scenario.io.load_instance``: every problem comes back as one ``InstanceError``.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Literal

from budgetopt.errors import InstanceError
from budgetopt.scenario.dictionary import TABLES
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.io import SCENARIO_FILE, load_instance, write_csv_folder, write_instance
from budgetopt.scenario.validate import Problem

SourceFormat = Literal["csv-zip", "xlsx", "json"]
DownloadFormat = Literal["json", "xlsx", "csv-zip"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv-zip": "application/zip",
}
SUFFIXES: dict[str, str] = {"json": ".json", "xlsx": ".xlsx", "csv-zip": ".zip"}
MAX_ZIP_ENTRIES = 100
MAX_ZIP_UNPACKED_MB = 500
MAX_ZIP_RATIO = 200


def detect_format(filename: str, content: bytes) -> SourceFormat | None:
    """The format of an upload by its name's suffix, else by its first bytes."""
    suffix = PurePosixPath(filename.lower()).suffix
    if suffix in (".xlsx", ".json"):
        return "xlsx" if suffix == ".xlsx" else "json"
    if suffix == ".zip":
        return "csv-zip"
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        return "xlsx" if "[Content_Types].xml" in names else "csv-zip"
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return "json"
    return None


def read_upload(filename: str, content: bytes, lang: str) -> tuple[SourceFormat, Instance]:
    """Validate an uploaded instance; raises ``InstanceError`` listing every problem (``lang``)."""
    shown = PurePosixPath(filename.replace("\\", "/")).name or "upload"
    source_format = detect_format(shown, content)
    if source_format is None:
        raise InstanceError([Problem("unsupported_format", shown, found=shown)], shown)
    with tempfile.TemporaryDirectory(prefix="budgetopt-upload-") as folder:
        root = Path(folder)
        if source_format == "csv-zip":
            path = root / "instance"
            path.mkdir()
            _unpack_csv_zip(shown, content, path)
        else:
            path = root / f"instance{SUFFIXES[source_format]}"
            path.write_bytes(content)
        try:
            return source_format, load_instance(path, lang=lang)
        except InstanceError as error:
            raise InstanceError([_renamed(p, path.name, shown) for p in error.problems], shown) from None


def _renamed(problem: Problem, internal: str, shown: str) -> Problem:
    """The problem located in the client's file name instead of the temporary one."""
    if problem.file != internal:
        return problem
    from dataclasses import replace

    return replace(problem, file=shown)


def _unpack_csv_zip(shown: str, content: bytes, folder: Path) -> None:
    """Write the zip's ``<table>.csv`` files and ``scenario.toml`` flat into ``folder``; guards against
    zip bombs and path tricks (only base names of known files are used)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        raise InstanceError([Problem("unreadable_file", shown, found=str(error))], shown) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        unpacked = sum(m.file_size for m in members)
        reason = ""
        if len(members) > MAX_ZIP_ENTRIES:
            reason = f"{len(members)} files > {MAX_ZIP_ENTRIES}"
        elif unpacked > MAX_ZIP_UNPACKED_MB * 1e6:
            reason = f"{unpacked / 1e6:.0f} MB unpacked > {MAX_ZIP_UNPACKED_MB} MB"
        elif unpacked > MAX_ZIP_RATIO * max(len(content), 1) and unpacked > 1e6:
            reason = f"compression ratio above {MAX_ZIP_RATIO}"
        if reason:
            raise InstanceError([Problem("unreadable_file", shown, found=reason)], shown)
        wanted = {f"{name}.csv" for name in TABLES} | {SCENARIO_FILE}
        written: set[str] = set()
        for member in members:
            base = PurePosixPath(member.filename.replace("\\", "/")).name
            if base.lower() not in wanted or "__MACOSX" in member.filename or base.lower() in written:
                continue
            written.add(base.lower())
            try:
                data = archive.read(member)
            except (zipfile.BadZipFile, OSError, RuntimeError) as error:
                raise InstanceError([Problem("unreadable_file", base, found=str(error))], shown) from None
            (folder / base.lower()).write_bytes(data)


def instance_bytes(instance: Instance, fmt: DownloadFormat) -> bytes:
    """The instance written by the core in ``fmt``: JSON document, XLSX workbook or zip of CSV files."""
    with tempfile.TemporaryDirectory(prefix="budgetopt-download-") as folder:
        root = Path(folder)
        if fmt == "csv-zip":
            write_csv_folder(instance, root / "instance")
            return _zip_folder(root / "instance")
        path = write_instance(instance, root / f"instance{SUFFIXES[fmt]}")
        return path.read_bytes()


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def template_bytes(fmt: Literal["xlsx", "csv-zip"]) -> bytes:
    """An empty instance to fill in: the documented XLSX workbook, or one CSV header per table."""
    if fmt == "xlsx":
        from budgetopt.scenario.template import write_template

        with tempfile.TemporaryDirectory(prefix="budgetopt-template-") as folder:
            return write_template(Path(folder) / "template.xlsx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, table in TABLES.items():
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerow(table.column_names)
            archive.writestr(f"{name}.csv", text.getvalue())
        archive.writestr(SCENARIO_FILE, 'name = "scenario"\nbudget_cut = 0.1\n')
    return buffer.getvalue()
