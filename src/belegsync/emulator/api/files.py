"""GET /v1/files/{id} (bookkeeping Accept matrix) and POST /v1/files (voucher upload)."""

from __future__ import annotations

import hashlib

from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from belegsync.emulator.api.common import (
    Answer,
    AnyRequest,
    Call,
    api_key_of,
    call_of,
    error_answer,
    error_response,
    json_response,
    runtime_of,
    to_response,
)
from belegsync.emulator.documents import MEDIA_TYPES, negotiate_bookkeeping_file
from belegsync.emulator.model import ZERO, StoredFile, Voucher
from belegsync.emulator.state import World

MAX_UPLOAD_BYTES = 5_242_880
_EXTENSIONS = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png", "xml": "xml"}


def file_answer(call: Call, file_id: str) -> Answer:
    """GET /v1/files/{id}: the bookkeeping Accept matrix."""
    runtime = call.runtime
    stored = runtime.world.find_file(call.api_key.organization_id, file_id)
    if stored is None:
        return error_answer(call, 404, "Resource not found")
    outcome = negotiate_bookkeeping_file(stored, call.accept)
    if isinstance(outcome, int):
        return error_answer(call, outcome, "Requested representation not available")
    return Answer(
        200,
        runtime.documents.content(stored, outcome),
        MEDIA_TYPES[outcome],
        (("Content-Disposition", f"inline; filename={stored.id}.{outcome};"),),
    )


@get("/v1/files/{file_id:str}")
async def get_file(request: AnyRequest, file_id: FromPath[str]) -> Response[bytes]:
    return to_response(file_answer(call_of(request), file_id))


def content_problem(kind: str, content: bytes) -> str | None:
    """The i18nKey Lexware answers for content it cannot process, or None."""
    if kind == "pdf" and not content.startswith(b"%PDF-"):
        return "voucher_upload_toxic_pdf"
    if kind == "png" and not content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image_conversion_error"
    if kind == "jpg" and not content.startswith(b"\xff\xd8"):
        return "image_conversion_error"
    if kind == "xml" and b"Invoice" not in content:
        return "invalid_xrechnung"
    return None


def read_upload_kind(upload: UploadFile) -> str | None:
    suffix = (upload.filename or "").rsplit(".", 1)[-1].lower()
    return _EXTENSIONS.get(suffix)


def store_upload(
    world: World, organization_id: str, voucher: Voucher, kind: str, content: bytes
) -> StoredFile:
    stored = StoredFile(
        id=world.new_id(),
        organization_id=organization_id,
        voucher_id=voucher.id,
        kind=kind,
        data=content,
        checksum=hashlib.sha256(content).hexdigest(),
    )
    world.add_file(stored)
    return stored


async def validated_upload(
    request: AnyRequest, *, need_type: bool
) -> tuple[str, bytes] | Response[bytes]:
    form = await request.form()
    if need_type and form.get("type") != "voucher":
        return error_response(request, 400, "Invalid or missing upload type.", source="type")
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return error_response(request, 500, "No file", i18n_key="technical_error", source="file")
    content = await upload.read()
    if len(content) > MAX_UPLOAD_BYTES:
        return error_response(
            request, 406, "too large", i18n_key="max_file_size_exceeded", source="file"
        )
    kind = read_upload_kind(upload)
    org = runtime_of(request).world.organizations[api_key_of(request).organization_id]
    if kind is None or (kind == "xml" and not org.e_invoice_enabled):
        return error_response(
            request, 406, "extension", i18n_key="inacceptable_file_extension", source="file"
        )
    problem = content_problem(kind, content)
    if problem is not None:
        return error_response(request, 406, "content", i18n_key=problem, source="file")
    return kind, content


@post("/v1/files", status_code=202)
async def upload_file(request: AnyRequest) -> Response[bytes]:
    checked = await validated_upload(request, need_type=True)
    if isinstance(checked, Response):
        return checked
    kind, content = checked
    world = runtime_of(request).world
    org_id = api_key_of(request).organization_id
    existing = world.file_by_checksum(org_id, content)
    if existing is not None:
        return json_response({"id": existing.id, "voucherId": existing.voucher_id}, status=202)
    now = world.now()
    voucher = Voucher(
        id=world.new_id(),
        organization_id=org_id,
        voucher_type="purchaseinvoice",
        status="unchecked",
        number="",
        voucher_date=world.due_today(),
        due_date=None,
        created=now,
        updated=now,
        contact_id=None,
        contact_name="Sammellieferant",
        total_gross=ZERO,
        total_tax=ZERO,
        items=[],
    )
    world.add_voucher(voucher)
    stored = store_upload(world, org_id, voucher, kind, content)
    return json_response({"id": stored.id, "voucherId": voucher.id}, status=202)
