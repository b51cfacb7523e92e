"""Writes `password_protected.xlsx` beside this file: a good statement (the rows of
`conftest.statement_rows`: 2025-01 to 2025-12), encrypted by msoffcrypto-tool with the password
`statement` as Excel's File > Info > Protect Workbook > Encrypt with Password saves it: an OLE
compound file holding EncryptionInfo (agile encryption, AES-256) and EncryptedPackage.

msoffcrypto-tool is not a dependency of the project; the file is kept in the repository and
made again only when wanted, with the tool installed outside the project's environment:

    python -m pip install --target /tmp/msoffcrypto msoffcrypto-tool
    PYTHONPATH=/tmp/msoffcrypto .venv/bin/python tests/workflows/files/make_password_protected.py
"""

import io
from pathlib import Path

import msoffcrypto
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
PASSWORD = "statement"


def good_statement() -> bytes:
    workbook = Workbook()
    workbook.active.append(["month", "income", "expenses"])
    for i in range(12):
        workbook.active.append([f"2025-{i + 1:02d}", 2000 + 100 * i, 1500 + 50 * i])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> None:
    plain = good_statement()
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(PASSWORD, encrypted)
    content = encrypted.getvalue()

    # Check it is what Excel would open: encrypted, and the statement again with the password.
    check = msoffcrypto.OfficeFile(io.BytesIO(content))
    assert check.is_encrypted()
    check.load_key(password=PASSWORD)
    decrypted = io.BytesIO()
    check.decrypt(decrypted)
    assert decrypted.getvalue() == plain

    (HERE / "password_protected.xlsx").write_bytes(content)
    print(f"password_protected.xlsx: {len(content)} bytes")


if __name__ == "__main__":
    main()
