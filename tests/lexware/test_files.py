from __future__ import annotations

import httpx
import pytest

from belegsync.lexware import DownloadedFile
from belegsync.lexware.files import extension_for, filename_from_content_disposition

from .conftest import MakeApi
from .fakes import API_KEY, Recorder

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
XML = b'<?xml version="1.0"?><rsm:CrossIndustryInvoice/>'


def file_response(content: bytes, content_type: str, disposition: str | None) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if disposition is not None:
        headers["Content-Disposition"] = disposition
    return httpx.Response(200, content=content, headers=headers)


async def test_bookkeeping_file_with_default_accept(make_api: MakeApi) -> None:
    handler = Recorder(file_response(PDF, "application/pdf", "inline; filename=f-1.pdf;"))
    client = make_api(handler).for_key(API_KEY)
    downloaded = await client.download_file("f-1")
    assert downloaded == DownloadedFile(
        content=PDF, media_type="application/pdf", filename="f-1.pdf"
    )
    request = handler.requests[0]
    assert request.url.path == "/v1/files/f-1"
    assert request.headers["Accept"] == "*/*"


async def test_e_invoice_xml_with_explicit_accept(make_api: MakeApi) -> None:
    handler = Recorder(file_response(XML, "application/xml;charset=UTF-8", None))
    client = make_api(handler).for_key(API_KEY)
    downloaded = await client.download_file("f-2", accept="application/xml")
    assert handler.requests[0].headers["Accept"] == "application/xml"
    assert (downloaded.media_type, downloaded.filename) == ("application/xml", "f-2.xml")


@pytest.mark.parametrize(
    ("voucher_type", "path"),
    [
        ("invoice", "/v1/invoices/v-9/file"),
        ("creditnote", "/v1/credit-notes/v-9/file"),
        ("downpaymentinvoice", "/v1/down-payment-invoices/v-9/file"),
    ],
)
async def test_sales_voucher_file_routes(make_api: MakeApi, voucher_type: str, path: str) -> None:
    disposition = 'attachment; filename="Rechnung_RE0001.pdf"'
    handler = Recorder(file_response(PDF, "application/pdf", disposition))
    client = make_api(handler).for_key(API_KEY)
    downloaded = await client.download_sales_voucher_file(voucher_type, "v-9")
    assert handler.requests[0].url.path == path
    assert handler.requests[0].headers["Accept"] == "*/*"
    assert downloaded.filename == "Rechnung_RE0001.pdf"


async def test_bookkeeping_types_have_no_sales_file(make_api: MakeApi) -> None:
    client = make_api(Recorder(httpx.Response(404))).for_key(API_KEY)
    with pytest.raises(ValueError, match="purchaseinvoice"):
        await client.download_sales_voucher_file("purchaseinvoice", "v-1")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("inline; filename=abc.pdf;", "abc.pdf"),
        ('inline; filename="abc d.pdf"; ', "abc d.pdf"),
        ("inline; filename=abc.pdf;;", "abc.pdf"),
        ('attachment; filename="Rechnung RE-7.pdf"', "Rechnung RE-7.pdf"),
        ("attachment; filename*=UTF-8''Gutschrift%20%C3%84.pdf", "Gutschrift Ä.pdf"),
        ('inline; filename="../../etc/passwd"', "passwd"),
        ("inline", None),
        (None, None),
        # the usual forms are read without the email parser; these need it
        ('ATTACHMENT; FILENAME="Upper.pdf"', "Upper.pdf"),
        ('attachment; filename="a\\"b.pdf"', 'a"b.pdf'),
        ('form-data; name="x"; filename="y.pdf"', "y.pdf"),
        ('attachment; filename="  .hidden. "', "hidden"),
        ('attachment; filename=".."', None),
    ],
)
def test_content_disposition(header: str | None, expected: str | None) -> None:
    assert filename_from_content_disposition(header) == expected


@pytest.mark.parametrize(
    ("media_type", "ext"),
    [("application/pdf", "pdf"), ("image/jpeg", "jpg"), ("image/png", "png"), ("x/unknown", "bin")],
)
def test_extension_fallback(media_type: str, ext: str) -> None:
    assert extension_for(media_type) == ext


async def test_missing_content_type_falls_back_to_octet_stream(make_api: MakeApi) -> None:
    client = make_api(Recorder(httpx.Response(200, content=b"\x89PNG"))).for_key(API_KEY)
    downloaded = await client.download_file("f-3")
    assert (downloaded.media_type, downloaded.filename) == ("application/octet-stream", "f-3.bin")
    assert "content" not in repr(downloaded) and "size=4" in repr(downloaded)
