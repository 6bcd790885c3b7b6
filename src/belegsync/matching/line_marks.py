"""What a bank line's purpose and payer name are searched for: the words that make it a
return, a payment provider's payout, a stated fee, a count of items, a deposit, a
collective transfer or an instalment.

Each line's purpose and payer name are searched for all of them once and the answer is
stored with the line (``line_keys``: one bit per marker of :data:`LINE_MARKERS`, in this
order); a run reads bits instead of searching a million texts. A marker is found in the
text upper-cased, anywhere (``LASTSCHRIFT`` in „Rücklastschrift“). Adding, removing or
reordering a marker changes what the stored bits mean: ``line_keys.KEYS_VERSION`` must
change with it (a test fingerprints this list).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COLLECTIVE_MARKERS",
    "COUNT_MARKERS",
    "DEPOSIT_MARKERS",
    "LINE_MARKERS",
    "PAYOUT_MARKERS",
    "PROVIDERS",
    "PROVIDER_MARKERS",
    "RATE_MARKERS",
    "RECOLLECTION_MARKERS",
    "RETURN_MARKERS",
    "STATED_FEE_MARKERS",
    "Provider",
]


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    marker: str  # as it appears, upper case, in the payer name or the purpose
    fee_permille_max: int  # highest percentage fee, in tenths of a percent
    fee_fixed_max_cents: int  # highest fixed fee per sale
    typical_basis_points: int = 0  # the standard fee (public price list), 1/100 %
    typical_fixed_cents: int = 0

    def typical_fee(self, total: int, count: int) -> int:
        return (
            total * self.typical_basis_points + 5000
        ) // 10000 + self.typical_fixed_cents * count


# payment providers paying out several sales minus their fee (``payouts``)
PROVIDERS: tuple[Provider, ...] = (
    Provider("PayPal", "PAYPAL", 35, 39, 249, 35),
    Provider("Stripe", "STRIPE", 30, 25, 150, 25),
    Provider("SumUp", "SUMUP", 28, 0, 139, 0),
    Provider("Zettle", "ZETTLE", 30, 0),
    Provider("Mollie", "MOLLIE", 35, 29),
    Provider("Klarna", "KLARNA", 50, 35),
    Provider("Adyen", "ADYEN", 35, 15),
    Provider("Amazon", "AMAZON", 200, 100),
)
PROVIDER_MARKERS = tuple(p.marker.encode() for p in PROVIDERS)
# what a purpose stating a kept fee holds, upper-cased ("abzgl.", "abzüglich"): the
# lines to read for ``stated_fee``
STATED_FEE_MARKERS = (b"ABZGL", b"ABZUEGL", b"GLICH")
# the lines read as payouts: a provider's, or any stating the fee it kept
PAYOUT_MARKERS = (*PROVIDER_MARKERS, *STATED_FEE_MARKERS)
# what a purpose announcing a count of items holds (``collective.announced_count``; a
# count of one is read only on the lines read as payouts: "RECHNUNG" is in most)
COUNT_MARKERS = (
    b"ANZAHL",
    b"RECHNUNGEN",
    b"POSTEN",
    b"BELEGE",
    b"LASTSCHRIFTEN",
    b"ZAHLUNGEN",
    b"TRANSAKTIONEN",
)
# a deposit paid before the invoice was written ("Anzahlung Feier 26.02.", "Vorkasse",
# a pro-forma invoice paid: "Proforma 2"); ANZAHL of the count markers finds "Anzahlung"
DEPOSIT_MARKERS = (
    b"VORKASSE",
    b"VORAUSKASSE",
    b"VORAUSZAHLUNG",
    b"ABSCHLAG",
    b"PROFORMA",
    b"PRO-FORMA",
    b"PRO FORMA",
)
# a transfer announcing that it pays several invoices without their numbers or count
# ("Sammelzahlung", "Sammelüberweisung")
COLLECTIVE_MARKERS = (b"SAMMEL",)
# a return worded in the purpose ("Rücklastschrift", "Retoure", "Storno")
RETURN_MARKERS = (b"LASTSCHRIFT", b"RETOURE", b"STORNO", b"RUECKBUCHUNG", b"RUCKBUCHUNG")
# a returned debit collected again ("nach Rücklastschrift", "Wiedervorlage", "erneuter
# Einzug"): the lines whose purpose is read for it (``FeatureContext``)
RECOLLECTION_MARKERS = (b"LASTSCHRIFT", b"EINZUG", b"WIEDERVORLAGE")
# an instalment stated in the purpose ("Rate 1 Rechnung Koch", "2. Rate", "Ratenzahlung";
# ``matching_text.stated_rate`` reads the lines found): a patient's rate for less than the
# invoice
RATE_MARKERS = (b"RATE",)

# every marker, each once, in the order of the stored bits (at most 63)
LINE_MARKERS: tuple[bytes, ...] = tuple(
    dict.fromkeys(
        (
            *RETURN_MARKERS,
            *PAYOUT_MARKERS,
            *COUNT_MARKERS,
            *DEPOSIT_MARKERS,
            *COLLECTIVE_MARKERS,
            *RECOLLECTION_MARKERS,
            *RATE_MARKERS,
        )
    )
)
assert len(LINE_MARKERS) <= 63
