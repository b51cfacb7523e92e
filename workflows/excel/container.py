"""Stage 1: the file as bytes, before any parser sees it (extension, size, kind, zip bombs).

Python's zipfile never inflates a part beyond the size its directory declares (it stops and
fails the CRC check), so the declared sizes bound what openpyxl can ever decompress.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from typing import IO

from django.conf import settings

logger = logging.getLogger(__name__)

OOXML_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and other OLE files
#: An encrypted (password-protected) .xlsx is an OLE file holding these streams (UTF-16 names).
ENCRYPTED_MARKERS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
MACRO_CONTENT_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
TEMPLATE_CONTENT_TYPE = b"spreadsheetml.template.main+xml"
SAVE_AS = "open it in Excel or LibreOffice and save it as 'Excel Workbook (.xlsx)'"


class UploadRejected(Exception):
    """The file is not something we will open (not an xlsx, too big, a zip bomb...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def human_size(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} GiB"  # pragma: no cover


def kind_of(name: str) -> str:
    """'xlsx', 'csv', or the extension as written ('' for none)."""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _accepted(formats: tuple[str, ...]) -> str:
    words = {"xlsx": "Excel workbooks (.xlsx)", "csv": "CSV files (.csv)"}
    return " and ".join(words[f] for f in formats if f in words)


def check_container(
    *, name: str, size: int, head: bytes, file: IO[bytes], formats: tuple[str, ...] = ("xlsx",)
) -> str:
    """Refuse anything but a genuine, reasonably sized file of an accepted format; returns the
    format ('xlsx' or 'csv') or raises UploadRejected."""
    kind = kind_of(name)
    if kind not in formats:
        accepted = _accepted(formats)
        if kind == "xlsm":
            raise UploadRejected(
                f"'{name}' is a macro-enabled workbook (.xlsm); only {accepted} are accepted: "
                f"{SAVE_AS}."
            )
        raise UploadRejected(
            f"Only {accepted} are accepted; '{name}' is a .{kind} file."
            if kind
            else f"Only {accepted} are accepted; '{name}' has no extension."
        )
    limit = settings.WORKFLOWS_UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadRejected(f"'{name}' is {human_size(size)}; the limit is {human_size(limit)}.")
    if size == 0:
        raise UploadRejected(f"'{name}' is empty (0 bytes).")
    if kind == "csv":
        _check_csv(name, head)
        return "csv"
    _check_xlsx(name, head, file)
    return "xlsx"


def _check_csv(name: str, head: bytes) -> None:
    if head.startswith(b"PK"):
        raise UploadRejected(
            f"'{name}' is an Excel workbook (or another zip file) renamed to .csv; "
            "upload it with its own name ending in .xlsx."
        )
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if head.startswith(OLE_MAGIC) or (b"\x00" in head[:2048] and not utf16):
        raise UploadRejected(
            f"'{name}' is not a text file: it looks like a binary file renamed to .csv; "
            "export the statement as CSV (comma- or semicolon-separated) again."
        )


def _check_xlsx(name: str, head: bytes, file: IO[bytes]) -> None:
    if not head.startswith(b"PK"):
        if head.startswith(OLE_MAGIC):
            file.seek(0)
            content = file.read(settings.WORKFLOWS_UPLOAD_MAX_BYTES + 1)
            if any(marker in content for marker in ENCRYPTED_MARKERS):
                raise UploadRejected(
                    f"'{name}' is protected by a password, so it cannot be read; open it, "
                    "remove the password (File > Info > Protect Workbook > Encrypt with "
                    "Password, then clear it), save it and upload it again."
                )
            raise UploadRejected(
                f"'{name}' is an old-format Excel file (.xls, Excel 97-2003) renamed to .xlsx; "
                f"{SAVE_AS}."
            )
        if looks_like_text(head):
            raise UploadRejected(
                f"'{name}' is a text or CSV file renamed to .xlsx, not an Excel workbook; "
                f"{SAVE_AS}."
            )
        raise UploadRejected(f"'{name}' is not an Excel workbook (.xlsx): it is not a zip file.")
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        logger.warning("upload %r: damaged zip: %r", name, exc)
        raise UploadRejected(
            f"'{name}' is not a valid .xlsx: the zip is damaged; save it again from the "
            "spreadsheet program and upload it once more."
        ) from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        missing = [part for part in OOXML_PARTS if part not in names]
        if missing:
            raise UploadRejected(
                f"'{name}' is a zip file but not an Excel workbook: it has no {missing[0]}."
            )
        if len(infos) > settings.WORKFLOWS_XLSX_MAX_PARTS:
            raise UploadRejected(
                f"'{name}' has {len(infos)} parts in its zip; the limit is "
                f"{settings.WORKFLOWS_XLSX_MAX_PARTS} (refused as a possible zip bomb)."
            )
        uncompressed = sum(info.file_size for info in infos)
        compressed = sum(info.compress_size for info in infos) or 1
        max_uncompressed = settings.WORKFLOWS_XLSX_MAX_UNCOMPRESSED_BYTES
        if uncompressed > max_uncompressed:
            raise UploadRejected(
                f"'{name}' expands to {human_size(uncompressed)} when unzipped; the limit is "
                f"{human_size(max_uncompressed)} (refused as a possible zip bomb)."
            )
        ratio = uncompressed / compressed
        # Small workbooks can compress well; the ratio only matters once there is bulk.
        if uncompressed > 1024 * 1024 and ratio > settings.WORKFLOWS_XLSX_MAX_COMPRESSION_RATIO:
            raise UploadRejected(
                f"'{name}' is compressed {ratio:.0f} to 1; the limit is "
                f"{settings.WORKFLOWS_XLSX_MAX_COMPRESSION_RATIO} to 1 "
                "(refused as a possible zip bomb)."
            )
        try:
            content_types = archive.read("[Content_Types].xml")  # bounded by the checks above
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError,
                EOFError) as exc:  # fmt: skip
            logger.warning("upload %r: damaged zip part: %r", name, exc)
            raise UploadRejected(
                f"'{name}' is not a valid .xlsx: the zip is damaged; save it again from the "
                "spreadsheet program and upload it once more."
            ) from exc
    if MACRO_CONTENT_TYPE in content_types:
        raise UploadRejected(
            f"'{name}' is a macro-enabled workbook (.xlsm) renamed to .xlsx; {SAVE_AS}."
        )
    if TEMPLATE_CONTENT_TYPE in content_types:
        raise UploadRejected(f"'{name}' is an Excel template (.xltx) renamed to .xlsx; {SAVE_AS}.")


def looks_like_text(head: bytes) -> bool:
    sample = head[:2048]
    if not sample or b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
            return False
    return True
