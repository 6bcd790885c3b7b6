"""Features of a (payment, transaction) pair; rapidfuzz runs only on the few candidates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from belegsync.domain.matching import AmountKind, BankTxn, MatchFeatures, Suggestion
from belegsync.domain.matching_score import (
    amount_feature,
    counterparty_feature,
    date_feature,
    difference_reason,
    score,
)
from belegsync.domain.matching_text import (
    normalise_name,
    normalise_text,
    text_short_numbers,
)
from belegsync.matching.candidates import PaymentState, TxnIndex
from belegsync.matching.params import MatchParams

__all__ = ["FeatureContext", "name_similarity"]

_REVERSAL_WORDS = ("RUECKLASTSCHRIFT", "RUCKLASTSCHRIFT", "RETOURE LASTSCHRIFT", "STORNO")


def name_similarity(a: str, b: str) -> float:
    """0–100 for two normalised names: token sets, then partial matches for cut names."""
    best = fuzz.token_set_ratio(a, b)
    if best < 95 and min(len(a), len(b)) >= 6:
        best = max(best, fuzz.partial_ratio(a, b))
    return float(best)


@dataclass(slots=True)
class FeatureContext:
    """Caches per run: normalised texts and names of the transactions that were needed."""

    index: TxnIndex
    params: MatchParams
    # (tenant-currency id, identifier) → contacts that own it (Lexware or learned)
    identifier_owners: Mapping[tuple[int, str], frozenset[str]]
    _texts: dict[int, tuple[str, str]] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)

    def text(self, row: int) -> tuple[str, str]:
        """The remittance normalised, read with spaces and glued."""
        found = self._texts.get(row)
        if found is None:
            spaced = normalise_text(self.index.txns[row].remittance)
            found = self._texts[row] = (spaced, "".join(spaced.split()))
        return found

    def is_reversal_text(self, row: int) -> bool:
        """Returned debits that the importer did not flag."""
        raw = self.index.txns[row].remittance.upper()
        if "LASTSCHRIFT" not in raw and "STORNO" not in raw:
            return False
        spaced = self.text(row)[0]
        return any(word in spaced for word in _REVERSAL_WORDS)

    def _name(self, raw: str) -> str:
        found = self._names.get(raw)
        if found is None:
            found = self._names[raw] = normalise_name(raw)
        return found

    def _reference(self, state: PaymentState, row: int, strong: bool) -> tuple[float, str | None]:
        txn = self.index.txns[row]
        if strong:
            if txn.end_to_end_id and txn.end_to_end_id in state.payment.references:
                return 1.0, f"E2E {txn.end_to_end_id}"
            spaced, glued = self.text(row)
            for token in sorted(state.strong_tokens, key=len, reverse=True):
                if token in spaced or token in glued:
                    return 1.0, token
            return 1.0, min(state.strong_tokens, key=len)
        raw = txn.remittance
        customer = state.customer_number
        if (
            customer
            and len(customer) >= 4
            and customer in raw
            and normalise_text(customer) in self.text(row)[0]
        ):
            return 0.5, f"customer {customer}"
        short = state.short_number
        if short and short in raw and short in text_short_numbers(raw):
            return 0.5, f"number {short}"
        return 0.0, None

    def _counterparty(self, state: PaymentState, txn: BankTxn) -> tuple[float, str, bool]:
        rules = self.params.rules
        foreign = False
        for ident in (txn.counterparty_iban, txn.creditor_id):
            if not ident:
                continue
            if ident in state.identifiers:
                value, evidence = counterparty_feature(
                    identifier_known=True,
                    identifier_foreign=False,
                    name_similarity=None,
                    rules=rules,
                )
                return value, evidence, True
            owners = self.identifier_owners.get((state.tenant_currency, ident))
            contact = state.payment.contact_id
            if owners and (contact is None or contact not in owners):
                foreign = True
        similarity: float | None = None
        if not foreign and txn.counterparty_name and state.name:
            similarity = name_similarity(state.name, self._name(txn.counterparty_name))
        value, evidence = counterparty_feature(
            identifier_known=False,
            identifier_foreign=foreign,
            name_similarity=similarity,
            rules=rules,
        )
        strong = similarity is not None and similarity >= rules.name_strong
        return value, evidence, strong

    def suggestion(
        self,
        state: PaymentState,
        row: int,
        strong_ref: bool,
        *,
        collective_amount: float | None = None,
    ) -> Suggestion | None:
        """Score one pair; ``None`` when it cannot matter (below every threshold) or a
        tolerance-only candidate has no known payer.

        ``collective_amount`` scores a member of a collective transfer: the amount
        feature then says how well the *group* sums up, and nothing is pruned.
        """
        rules = self.params.rules
        txn = self.index.txns[row]
        bank = self.index.remaining_list[row]
        if collective_amount is None:
            amount, kind, delta = amount_feature(bank, state.amounts, rules)
        else:
            amount, kind, delta = collective_amount, AmountKind.COLLECTIVE, 0
        reference, hit = self._reference(state, row, strong_ref)
        if reference < 1.0 and amount == 0.0:
            hit, reference = None, 0.0  # weak references count only next to the amount
        booking = self.index.day_list[row]
        days = booking - state.anchor_day
        if txn.value_date is not None:
            value_days = txn.value_date.toordinal() - state.anchor_day
            if abs(value_days) < abs(days):
                days = value_days
        date_value = date_feature(days, anchored=state.anchored, rules=rules)
        early = booking < state.voucher_day - rules.early_payment_days
        penalty = rules.early_payment_penalty if early else 0.0
        best_case = (
            rules.weight_amount * amount
            + rules.weight_reference * reference
            + rules.weight_counterparty
            + rules.weight_date * date_value
            - penalty
        )
        if best_case < self.floor and collective_amount is None:
            return None  # can be neither a suggestion nor a runner-up that blocks an auto link
        cp_value, cp_evidence, name_strong = self._counterparty(state, txn)
        if collective_amount is None and not kind.is_exact and reference < 1.0 and cp_value < 0.4:
            return None  # tolerance channel: payer must be known (design note §3)
        features = MatchFeatures(
            amount=amount,
            reference=reference,
            counterparty=cp_value,
            date=date_value,
            penalty=penalty,
            amount_kind=kind,
            amount_delta_cents=delta,
            days_delta=days,
            reference_hit=hit,
            counterparty_evidence=cp_evidence,
            identifying=reference >= 1.0 or cp_evidence == "identifier_known" or name_strong,
        )
        item = state.payment.amount_cents
        allocated = min(bank, item)
        return Suggestion(
            payment_id=state.payment.id,
            txn_id=txn.id,
            score=score(features, rules),
            allocated_cents=allocated,
            difference_cents=item - allocated,
            difference_reason=difference_reason(kind, item - allocated),
            features=features,
        )

    @property
    def floor(self) -> float:
        """Pairs whose best case stays below this can be dropped safely."""
        rules = self.params.rules
        return min(rules.suggest_threshold, rules.auto_threshold - rules.margin)
