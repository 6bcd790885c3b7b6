"""Profil → Buchhaltungsverbindungen in each state, with their exact labels."""

from __future__ import annotations

from datetime import date, timedelta

from belegsync.emulator import EXPIRED_KEY, MAIN_KEY
from support.web_stack import WebStack, connect_and_sync, text_of

WRONG_KEY = "wrong-key-000000000000000000000000009999"


async def test_none_pending_failed_active_walk_with_the_labels(stack: WebStack) -> None:
    base = f"/clients/{stack.tenant_a}/connection"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        page = text_of(await b.get(base))
        assert "Keine Verbindung" in page
        assert "Lexware Office in der Version XL" in page
        assert "+ Verbinden" in page

        form = await b.post(f"{base}/start")
        assert str(form.url).endswith(f"{base}/key")
        assert 'placeholder="Enter API Key here"' in form.text
        assert ">Connect</button>" in form.text
        assert "API-Schlüssel erstellen" in form.text and "allen Berechtigungen" in form.text
        assert "Verbindung aktivieren" in text_of(await b.get(base))

        failed = await b.post(f"{base}/key", {"api_key": WRONG_KEY})
        text = text_of(failed)
        assert "Verbindung fehlgeschlagen" in text
        assert 'id="failed-banner"' in failed.text
        assert "Lexware hat den API-Schlüssel abgelehnt" in text
        assert "einen neuen API-Schlüssel" in text
        assert "Support kontaktieren" in text
        assert WRONG_KEY not in failed.text

        await b.post(f"{base}/start")
        active = await b.post(f"{base}/key", {"api_key": MAIN_KEY})
        assert 'badge-active">Aktiv<' in active.text
        assert 'id="success-banner"' in active.text
        assert MAIN_KEY not in active.text
        assert f"…{MAIN_KEY[-4:]}" in active.text
        assert "gültig bis" in text_of(active)
        # The banner shows once.
        again = await b.get(base)
        assert 'id="success-banner"' not in again.text
        await stack.queue.join()
        synced = text_of(await b.get(base))
        assert "Verbinden" in synced and "Erfolgreich" in synced


async def test_malformed_key_keeps_the_field_empty_and_the_state(stack: WebStack) -> None:
    base = f"/clients/{stack.tenant_a}/connection"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        await b.post(f"{base}/start")
        r = await b.post(f"{base}/key", {"api_key": "kurz geheim"})
        assert r.status_code == 400
        assert "sieht nicht wie ein Lexware-API-Schlüssel aus" in text_of(r)
        assert "kurz geheim" not in r.text
        assert 'value="' not in r.text.split('id="api_key"')[1].split(">")[0]
        assert "Verbindung aktivieren" in text_of(await b.get(base))


async def test_expired_key_is_failed_with_its_advice(stack: WebStack) -> None:
    base = f"/clients/{stack.tenant_a}/connection"
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        # The key's "gültig bis" passed: the next run fails the connection as expired.
        async with stack.harness.uow_factory() as uow:
            row = await uow.connections.for_tenant(stack.tenant_a)
            assert row is not None
            row.key_expires_on = date(2026, 6, 14)
            await uow.commit()
        await b.post(f"{base}/sync")
        await stack.queue.join()
        text = text_of(await b.get(base))
        assert "Verbindung fehlgeschlagen" in text
        assert "Der API-Schlüssel ist abgelaufen" in text
        assert "verlängern Sie die Laufzeit" in text
        # Trying an expired key from Lexware itself is refused too.
        await b.post(f"{base}/start")
        r = await b.post(f"{base}/key", {"api_key": EXPIRED_KEY})
        assert "Verbindung fehlgeschlagen" in text_of(r)


async def test_expiry_warnings_30_and_7_days(stack: WebStack) -> None:
    base = f"/clients/{stack.tenant_a}/connection"
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        for days, badge in ((20, "in weniger als 30 Tagen"), (5, "in weniger als 7 Tagen")):
            async with stack.harness.uow_factory() as uow:
                row = await uow.connections.for_tenant(stack.tenant_a)
                assert row is not None
                row.key_expires_on = date(2026, 6, 15) + timedelta(days=days)
                await uow.commit()
            page = await b.get(base)
            assert 'id="expiry-banner"' in page.text
            assert badge in text_of(page)


async def test_sync_now_shows_progress_and_reports(stack: WebStack) -> None:
    base = f"/clients/{stack.tenant_a}/connection"
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        started = await b.post(f"{base}/sync")
        assert "Die Synchronisation wurde gestartet." in text_of(started)
        assert 'data-active="1"' in started.text
        await stack.queue.join()
        fragment = await b.get(f"{base}/progress")
        assert 'data-active="0"' in fragment.text
        page = await b.get(base)
        assert page.text.count("/connection/runs/") == 2
        run_link = page.text.split("/connection/runs/")[1].split('"')[0]
        report = text_of(await b.get(f"{base}/runs/{run_link}"))
        assert "Synchronisationsbericht" in report and "Erfolgreich" in report
        assert "01.01.2025" in report


async def test_disconnect_needs_confirmation_and_keeps_vouchers(stack: WebStack) -> None:
    base = f"/clients/{stack.tenant_a}/connection"
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        confirm = await b.get(f"{base}/disconnect")
        assert "Verbindung trennen?" in text_of(confirm)
        assert "Aktiv" in text_of(await b.get(base))
        done = await b.post(f"{base}/disconnect")
        text = text_of(done)
        assert "Keine Verbindung" in text and "Ihre Belege bleiben erhalten" in text
        vouchers = text_of(await b.get(f"/clients/{stack.tenant_a}/vouchers"))
        assert "20 Belege" in vouchers


async def test_tax_advisor_checklist_client_marks_sent_staff_confirms(stack: WebStack) -> None:
    base = f"/clients/{stack.tenant_a}/connection"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        page = await b.get(base)
        assert "kanzlei@test.example" in page.text
        assert "nicht eingerichtet" in text_of(page)
        sent = await b.post(f"{base}/tax-advisor/sent")
        assert "Einladung versendet" in text_of(sent).split("Steuerberater-Zugang")[1][:40]
    async with stack.browser() as staff:
        await staff.login("staff@kanzlei.test")
        detail = await staff.post(
            f"/staff/clients/{stack.tenant_a}/tax-advisor", {"action": "confirm"}
        )
        assert "bestätigt" in text_of(detail)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        assert "bestätigt" in text_of(await b.get(base)).split("Steuerberater-Zugang")[1][:40]
        # A client cannot confirm for the firm: that route is staff only.
        r = await b.post(f"/staff/clients/{stack.tenant_a}/tax-advisor", {"action": "confirm"})
        assert r.status_code == 404


async def test_english_connection_page(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        r = await b.post(
            "/language", {"lang": "en", "next": f"/clients/{stack.tenant_a}/connection"}
        )
        text = text_of(r)
        assert "Active" in text and "Synchronise now" in text and "valid until" in text


async def test_a_refused_replacement_key_leaves_the_connection_active_and_says_why(
    stack: WebStack,
) -> None:
    base = f"/clients/{stack.tenant_a}/connection"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        await b.post(f"{base}/start")
        await b.post(f"{base}/key", {"api_key": MAIN_KEY})
        await stack.queue.join()

        refused = await b.post(f"{base}/key", {"api_key": WRONG_KEY})

        assert refused.status_code == 400
        text = text_of(refused)
        assert "Lexware hat den API-Schlüssel abgelehnt" in text
        assert WRONG_KEY not in refused.text
        page = await b.get(base)
        assert 'badge-active">Aktiv<' in page.text
        assert f"…{MAIN_KEY[-4:]}" in page.text
        assert "Verbindung fehlgeschlagen" not in text_of(page)
