"""Downloads through the client: the Accept matrices of /v1/files and the sales /file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from belegsync.emulator import MAIN_KEY
from belegsync.lexware import (
    DownloadedFile,
    LexwareApi,
    LexwareClient,
    LexwareConflictError,
    LexwareNotFoundError,
)
from integration.lexware.lexware_live import FAST_RETRY, RunningEmulator, running_emulator

MAGIC = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "application/xml": b"<?xml",
}
KINDS = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "xml": "application/xml",
}


def assert_file(downloaded: DownloadedFile, media_type: str, filename: str) -> None:
    assert downloaded.media_type == media_type
    assert downloaded.filename == filename
    assert downloaded.content.startswith(MAGIC[media_type])
    if media_type == "application/pdf":
        assert downloaded.content.rstrip().endswith(b"%%EOF")


# Downloads change nothing, so the whole module shares one emulator and one API.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with running_emulator() as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(emulator: RunningEmulator) -> AsyncIterator[LexwareApi]:
    async with LexwareApi(
        base_url=emulator.url, retry_policy=FAST_RETRY, rate_per_second=10_000.0
    ) as shared:
        yield shared


@pytest.fixture
def client(api: LexwareApi) -> LexwareClient:
    return api.for_key(MAIN_KEY)  # fresh stats per test


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bookkeeping_files(emulator: RunningEmulator) -> dict[str, str]:
    """A purchase invoice with one file of each kind: kind → file id."""
    voucher = await emulator.add_voucher(type="purchaseinvoice", files=list(KINDS))
    return dict(zip(KINDS, voucher["files"], strict=True))


@pytest.mark.parametrize("kind", list(KINDS))
async def test_each_bookkeeping_file_kind_comes_as_itself_for_any_accept(
    client: LexwareClient, bookkeeping_files: dict[str, str], kind: str
) -> None:
    file_id = bookkeeping_files[kind]

    downloaded = await client.download_file(file_id)

    assert_file(downloaded, KINDS[kind], f"{file_id}.{kind}")


@pytest.mark.parametrize(
    ("kind", "accept", "served"),
    [
        ("pdf", "application/pdf", "pdf"),
        ("pdf", "image/png", "pdf"),  # no conversion: the PDF comes anyway
        ("png", "image/png", "png"),
        ("png", "application/pdf", "png"),
        ("jpg", "image/jpeg", "jpg"),
        ("xml", "application/xml", "xml"),
        ("xml", "application/pdf", "pdf"),  # the e-invoice's PDF rendering
    ],
)
async def test_explicit_accept_follows_the_matrix(
    client: LexwareClient, bookkeeping_files: dict[str, str], kind: str, accept: str, served: str
) -> None:
    file_id = bookkeeping_files[kind]

    downloaded = await client.download_file(file_id, accept=accept)

    assert_file(downloaded, KINDS[served], f"{file_id}.{served}")


@pytest.mark.parametrize("kind", ["pdf", "png", "jpg"])
async def test_xml_of_a_file_without_e_invoice_is_not_found(
    client: LexwareClient, bookkeeping_files: dict[str, str], kind: str
) -> None:
    with pytest.raises(LexwareNotFoundError) as caught:
        await client.download_file(bookkeeping_files[kind], accept="application/xml")

    assert caught.value.status == 404
    assert client.stats.retries == 0


@pytest.mark.parametrize(
    ("voucher_type", "prefix"),
    [
        ("invoice", "Rechnung"),
        ("creditnote", "Gutschrift"),
        ("downpaymentinvoice", "Abschlagsrechnung"),
    ],
)
async def test_sales_voucher_file_is_its_pdf(
    emulator: RunningEmulator, client: LexwareClient, voucher_type: str, prefix: str
) -> None:
    voucher = await emulator.add_voucher(type=voucher_type, voucherNumber="X-2024-7")

    downloaded = await client.download_sales_voucher_file(voucher_type, voucher["id"])

    assert_file(downloaded, "application/pdf", f"{prefix}_X-2024-7.pdf")
    with pytest.raises(LexwareNotFoundError):
        await client.download_sales_voucher_file(
            voucher_type, voucher["id"], accept="application/xml"
        )


async def test_xrechnung_file_is_xml_by_default_and_pdf_on_request(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    voucher = await emulator.add_voucher(
        type="invoice", documentProfile="XRechnung", voucherNumber="RE-77"
    )

    as_xml = await client.download_sales_voucher_file("invoice", voucher["id"])
    as_pdf = await client.download_sales_voucher_file(
        "invoice", voucher["id"], accept="application/pdf"
    )

    assert_file(as_xml, "application/xml", "Rechnung_RE-77.xml")
    assert b"RE-77" in as_xml.content
    assert_file(as_pdf, "application/pdf", "Rechnung_RE-77.pdf")


async def test_draft_sales_voucher_has_no_file_409(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    draft = await emulator.add_voucher(type="invoice", status="draft")

    with pytest.raises(LexwareConflictError) as caught:
        await client.download_sales_voucher_file("invoice", draft["id"])

    assert caught.value.status == 409
    assert "draft" in (caught.value.detail or "")
    assert client.stats.retries == 0


async def test_files_listed_on_the_voucher_download_as_stored(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    created = await emulator.add_voucher(type="purchaseinvoice", files=["pdf", "jpg"])

    voucher = await client.bookkeeping_voucher(created["id"])
    downloads = [await client.download_file(file_id) for file_id in voucher.files]

    assert voucher.files == created["files"]
    assert [d.media_type for d in downloads] == ["application/pdf", "image/jpeg"]
