"""Matching benchmark: quality on three independent data sets, and speed at full scale.

Quality (per data set and per scenario; see ``matching_data/metrics.py``):
automatic links ≥ 99.5 % correct, ≥ 80 % of matchable vouchers linked automatically,
≥ 97 % linked or the right top suggestion, no voucher paid from the imported statement
listed as needing an external transaction.

* ``synthetic`` (``matching_data/synthetic.py``): noisy German remittances over many
  clients; weights were developed on seeds 7 and 11, the figures use seed 2024.
* ``scenarios_de`` (``matching_data/scenarios_de.py``): businesses modelled month by
  month from German banking conventions, written apart from the synthetic generator.
* ``statement_files`` (``matching_data/statement_files.py``): a practice, a café and a
  wholesaler as CAMT.053, MT940 and Sparkasse CSV files read by the product's parsers.

Replay (``matching_data/replay.py``): every business of the scenario set and of the
statement files played week by week through a new SQLite store — vouchers as Lexware
says they are paid, lines pushed, advice files uploaded once their lines arrived, the
real ``run_matching`` each week reading only what is still open, the history months
linked by a person first — scored on what the store shows at the end, with what it
listed as external before a line came and what „Alle sicheren Vorschläge bestätigen“
would have confirmed wrongly after any run; then again with
a person working through the tabs after each run (confirming the right suggestions,
rejecting the wrong ones, linking by hand what lies open two weeks): the clicks it took.

Speed: 100,000 vouchers × 1,000,000 transactions on one core (generation excluded),
next to a plain vectorised candidate generation (numpy) on the same data, with the
ratio and the peak memory; timed on the generator's objects as they lie, and on
the same inputs laid out in memory as the store's column read builds them (rows decoded
one after the other, each line with the keys a first run stored, ``line_keys``; the time
to work them out once and to read them is printed apart), which is what production
matches; and that layout once more in a
fresh process that only read the inputs (a worker's situation: the generating process's
heap is full of the garbage of a million generated objects). Each layout is timed
``--runs`` times (3) back to back; the medians are printed with every run's time and the
system time (the first run in a process pays page faults for fresh memory).

Counted lines: a client with 2,000 open invoices and 500 SEPA collection batches booked
as one line each ("ANZAHL 3"), the whole run timed (``counted_lines_seconds``).

Incremental: a client with 20,000 vouchers in SQLite, 200 new transactions pushed, the
real ``run_matching`` timed (target ≤ 200 ms): after an import, after a sync that also
wrote 200 new and 50 changed vouchers (their expected payments alone rebuilt), and the
manual run (every voucher's rebuilt), back to back.

Volume: a busy client (2,000 open vouchers, 80,000 open statement lines that pay none
of them), then 40,000 lines more by one upload right after the first: the upload's push
and the real ``run_matching`` after it and on the next morning with nothing new, in
SQLite and, where one answers, in a new PostgreSQL database.

``--only speed`` runs the full-scale part alone; its ``result_digest`` fingerprints the
whole result and must not change when only the engine's speed does.

    .venv/bin/python bench/matching.py [--scale 1.0] [--seed 2024]
        [--only quality|replay|speed|incremental|volume] [--trace-memory] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import logging
import multiprocessing
import os
import pickle
import platform
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields, replace
from datetime import date, timedelta
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import structlog

# the incremental part builds its client as the tests do (tests/support/volume.py)
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from belegsync.domain.matching import BankTxn, ExistingLink, ExpectedPayment
from belegsync.domain.vouchers import CUSTOMER_TYPES
from belegsync.matching import IbanContactMemory, MatchResult, match
from belegsync.matching.columns import TxnColumns
from belegsync.matching.line_keys import KeyColumns
from matching_data import scenarios_de, statement_files
from matching_data.advices import attach_advices
from matching_data.metrics import DataSet, Metrics, evaluate, stored_links
from matching_data.replay import ReplaySet, replay
from matching_data.store_client import (
    migrated_database,
    postgres_database,
    time_incremental,
    time_volume,
)
from matching_data.synthetic import generate


def as_production_reads(expected: list[ExpectedPayment]) -> None:
    """The payments as ``run_matching`` hands them over: a customer number only on a
    customer's voucher (``CUSTOMER_TYPES``: the number Lexware printed on the invoice),
    and no account of the contact. The generators also give a supplier's voucher the
    client's customer number at that supplier, which its purposes cite, and the
    contact's IBAN and creditor id (``known_identifiers``); Lexware knows neither (its
    Public API holds no bank account of a contact): what a run knows of a payer's
    account, the client's own links taught (the memory and the history, which the
    scenario set hands over where its history months hold them).

    Until 2026-12 the bench kept the generators' accounts, and measured a product no
    client has: the café's supplier transfers citing running numbers were linked by
    the known account, where the store's first import listed them as needing an
    external transaction."""
    expected[:] = [
        replace(
            p,
            customer_number=p.customer_number
            if p.customer_number is None or p.voucher_type in CUSTOMER_TYPES
            else None,
            known_identifiers=frozenset(),
        )
        for p in expected
    ]


def quality_synthetic(scale: float, seed: int) -> None:
    vouchers = max(2000, int(20_000 * scale))
    data = generate(vouchers, vouchers * 10, seed=seed, tenants=max(2, vouchers // 1000))
    as_production_reads(data.expected)
    started = time.perf_counter()
    result = match(data.expected, data.txns)
    seconds = time.perf_counter() - started
    metrics = evaluate(data, result)
    for line in metrics.lines(f"synthetic seed={seed}"):
        print(line)
    _show_external(f"synthetic seed={seed}", data, metrics)
    print(f"[synthetic seed={seed}] match_seconds={seconds:.2f}")
    _rerun(f"synthetic seed={seed}", result, data.expected, data.txns)


def quality_scenarios(seed: int) -> None:
    data = scenarios_de.generate(seed)
    as_production_reads(data.expected)
    for business in sorted(set(data.business_of.values())):
        part = data.only(business)
        settled = {link.payment_id for link in part.history_links}
        memory = IbanContactMemory(part.history_memory)
        label = f"scenarios_de {business}"
        advised = _with_advices(label, part, part.advice_files, business)
        result = match(part.expected, advised, existing_links=part.history_links, memory=memory)
        metrics = evaluate(part, result, settled)
        for line in metrics.lines(label):
            print(line)
        _show_external(label, part, metrics)
        _rerun(label, result, part.expected, advised, part.history_links, memory)
        if advised is not part.txns:
            alone = match(
                part.expected, part.txns, existing_links=part.history_links, memory=memory
            )
            _statements_alone(label, evaluate(part, alone, settled))


def replayed(seed: int) -> None:
    """Every business of the scenario set and of the statement files played week by
    week through a new SQLite store (``matching_data/replay.py``; the statement files
    uploaded month by month): the figures a client sees after the real runs, each
    read only what was still open; then once more with a person confirming, rejecting
    and linking by hand after each run (the clicks it took)."""
    scenarios = scenarios_de.generate(seed)
    files = statement_files.generate(seed)
    as_production_reads(scenarios.expected)
    as_production_reads(files.expected)
    # each business, and its statement files where it imports files (else its lines
    # are pushed, as a bank connection does)
    parts: list[tuple[str, ReplaySet, Mapping[str, bytes] | None]] = []
    for business in sorted(set(scenarios.business_of.values())):
        parts.append((f"scenarios_de {business}", scenarios.only(business), None))
    for business in sorted(files.tenant_of):
        one = files.only(business)
        parts.append((f"statement_files {business}", one, one.files))
    for label, part, uploaded in parts:
        with tempfile.TemporaryDirectory() as directory, _quiet():
            url = migrated_database(Path(directory))
            started = time.perf_counter()
            found = asyncio.run(replay(url, part, label, statement_files=uploaded))
        for line in found.metrics.lines(f"replay {label}")[:3]:
            print(line)
        print(
            f"[replay {label}] weekly_runs={found.runs} run_seconds={found.run_seconds:.1f} "
            f"history_links={found.history_links} total_seconds="
            f"{time.perf_counter() - started:.1f}"
        )
        print(
            f"[replay {label}] listed_external_before_their_line={found.listed_early} "
            "(payments after each run, summed; target 0)"
        )
        print(
            f"[replay {label}] bulk_confirm_offered={found.safe_offered} "
            f"bulk_confirm_wrong={found.safe_wrong} (the pairs „Alle sicheren Vorschläge "
            "bestätigen“ would have confirmed after some run; wrong: target 0)"
        )
    # the same, a person working through the tabs after each run (``thorough``): what
    # the person had to do, and that rejections hold and leave the engine's links right
    for label, part, uploaded in parts:
        with tempfile.TemporaryDirectory() as directory, _quiet():
            url = migrated_database(Path(directory))
            found = asyncio.run(replay(url, part, label, statement_files=uploaded, thorough=True))
        work, metrics = found.work, found.metrics
        print(
            f"[replay {label} reviewed] confirmed={work.confirmed} rejected={work.rejected} "
            f"linked_by_hand={work.by_hand} offered_again={work.offered_again} (target 0) "
            f"auto_precision={metrics.auto_precision:.4f} auto_share={metrics.auto_share:.4f} "
            f"linked_rightly={metrics.linked_or_top:.4f} runs={found.runs}"
        )


@contextmanager
def _quiet() -> Iterator[None]:
    """The product's info log (a line per run and push) left out while the block runs."""
    before = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        yield
    finally:
        structlog.configure(**before)


def quality_statement_files(seed: int) -> None:
    data = statement_files.generate(seed)
    as_production_reads(data.expected)
    for business in sorted(data.tenant_of):
        part = data.only(business)
        label = f"statement_files {business}"
        advised = _with_advices(label, part, part.advice_files, business)
        result = match(part.expected, advised)
        metrics = evaluate(part, result)
        for line in metrics.lines(label):
            print(line)
        _show_external(label, part, metrics)
        _rerun(label, result, part.expected, advised)
        if advised is not part.txns:
            _statements_alone(label, evaluate(part, match(part.expected, part.txns)))


def _with_advices(
    label: str, data: DataSet, files: Mapping[str, bytes], business: str
) -> Sequence[BankTxn]:
    """The business's lines with its payers' advice files attached as the product's
    import attaches them (the lines as they are where it has none); prints how many
    advices found their line."""
    mine = {name: body for name, body in files.items() if name.startswith(f"{business}_")}
    if not mine:
        return data.txns
    attached = attach_advices(data.txns, mine)
    found = sum(1 for each in attached.lines.values() for line in each if line is not None)
    total = sum(len(each) for each in attached.lines.values())
    print(f"[{label}] advice_files={len(mine)} advices_attached={found}/{total}")
    return attached.txns


def _statements_alone(label: str, metrics: Metrics) -> None:
    """The figures had the client imported its statements only (no advice files)."""
    print(
        f"[{label}] statements alone (no advice files): auto_share={metrics.auto_share:.4f} "
        f"linked_or_top={metrics.linked_or_top:.4f} auto_precision={metrics.auto_precision:.4f}"
    )


def _rerun(
    label: str,
    first: MatchResult,
    expected: list[ExpectedPayment],
    txns: Sequence[BankTxn],
    links: Sequence[ExistingLink] = (),
    memory: IbanContactMemory | None = None,
) -> None:
    """A second run on the same data with the first run's automatic links stored, as
    „Abgleich jetzt ausführen“ clicked again: what it links more (goal 0)."""
    again = match(expected, txns, existing_links=[*links, *stored_links(first)], memory=memory)
    print(f"[{label}] second_run_auto_links={len(again.auto_links)} (no new data; goal 0)")


def _show_external(label: str, data: DataSet, metrics: Metrics, limit: int = 20) -> None:
    """Each payment wrongly listed as needing an external transaction, with the line
    that paid it (amount, days to the anchor date, payer, purpose)."""
    payments = {p.id: p for p in data.expected}
    txns = {t.id: t for t in data.txns}
    for payment_id in metrics.wrongly_external_ids[:limit]:
        p = payments[payment_id]
        for txn_id in sorted(data.truth[payment_id]):
            t = txns[txn_id]
            days = (t.booking_date - p.anchor_date).days
            print(
                f"[{label}]   wrongly external {p.voucher_number} {p.amount_cents} ct "
                f"{p.contact_name!r}: paid by {abs(t.amount_cents)} ct {days:+d} d "
                f"from {t.counterparty_name!r} ({t.counterparty_iban or 'no IBAN'}), "
                f"{t.remittance!r}"
            )


def result_digest(result: MatchResult) -> str:
    """A short fingerprint of a whole result (links, suggestions, what stayed open), to
    check that a change to the engine's speed left its answers alone."""
    digest = hashlib.sha256()
    for decision in result.auto_links:
        digest.update(repr(decision).encode())
    for payment_id in sorted(result.suggestions_by_payment):
        digest.update(repr((payment_id, result.suggestions_by_payment[payment_id])).encode())
    for unmatched in result.unmatched:
        digest.update(repr(unmatched).encode())
    return digest.hexdigest()[:16]


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def plain_candidates(expected: list[ExpectedPayment], cols: TxnColumns) -> int:
    """A plain vectorised candidate generation: exact amount in the date window."""
    tenants = {t: i for i, t in enumerate(sorted(set(cols.tenants)))}
    tc = np.fromiter(map(tenants.__getitem__, cols.tenants), np.int64, len(cols))
    key = ((tc * 2 + (cols.amount < 0)) << 40) | np.abs(cols.amount)
    order = np.lexsort((cols.day, key))
    sorted_key, sorted_day = key[order], cols.day[order]
    p_tc = np.fromiter((tenants.get(p.tenant_id, -1) for p in expected), np.int64)
    debit = np.fromiter((p.voucher_type.startswith("purchaseinv") for p in expected), np.int64)
    amount = np.fromiter((p.amount_cents for p in expected), np.int64)
    anchor = np.fromiter((p.anchor_date.toordinal() for p in expected), np.int64)
    p_key = ((p_tc * 2 + debit) << 40) | amount
    lo = np.searchsorted(sorted_key, p_key, side="left")
    hi = np.searchsorted(sorted_key, p_key, side="right")
    counts = hi - lo
    which = np.repeat(np.arange(counts.size), counts)
    pos = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts) + lo[which]
    days = sorted_day[pos]
    inside = (days >= anchor[which] - 14) & (days <= anchor[which] + 10)
    return int(inside.sum())


def _decoded(value: Any) -> Any:
    """A string as a database driver hands it over: decoded afresh (other values as
    they are)."""
    return value.encode().decode() if type(value) is str else value


# ``TxnColumns.from_rows``'s arguments, in the order of a query's columns
_ROW_FIELDS = (
    "ids",
    "tenants",
    "currencies",
    "amounts",
    "days",
    "value_days",
    "booked",
    "reversal",
    "ibans",
    "creditors",
    "names",
    "remittances",
    "end_to_end_ids",
)


def as_the_store_reads(
    expected: list[ExpectedPayment], cols: TxnColumns
) -> tuple[list[ExpectedPayment], TxnColumns]:
    """The same inputs, laid out in memory as production builds them: the rows of a
    query decoded one after the other and zipped into columns
    (``MatchingRepository.transaction_columns``), one payment object per row
    (``to_payment_value``). The generator's own objects lie scattered among the millions
    of others it made on the way, which slows every step that reads a line's texts.
    The store reads one tenant's lines at a time and names the tenant once for all of
    them (``TxnColumns.from_store``): one tenant id object per tenant here too."""
    names = [f.name for f in fields(ExpectedPayment)]
    payments = [
        replace(p, **{name: _decoded(getattr(p, name)) for name in names}) for p in expected
    ]
    values = (
        cols.ids,
        cols.tenants,
        cols.currencies,
        cols.amount.tolist(),
        cols.day.tolist(),
        cols.value_day.tolist(),
        cols.booked.tolist(),
        cols.reversal.tolist(),
        cols.ibans,
        cols.creditors,
        cols.names,
        cols.remittances,
        cols.end_to_end_ids,
    )
    rows = [tuple(map(_decoded, row)) for row in zip(*values, strict=True)]
    del values
    columns = dict(zip(_ROW_FIELDS, map(list, zip(*rows, strict=True)), strict=True))
    del rows
    tenant = {t: _decoded(t) for t in set(cols.tenants)}
    columns["tenants"] = list(map(tenant.__getitem__, cols.tenants))
    # what matching reads of the lines' texts, as the store keeps it after the first
    # run that read them (``line_keys``)
    keys = cols.keys.stored_values(np.arange(len(cols), dtype=np.int64))
    return payments, TxnColumns.from_rows(**columns, keys=keys)


def _timed(label: str, expected: list[ExpectedPayment], cols: TxnColumns, runs: int) -> MatchResult:
    """The engine and the plain candidate generation, each ``runs`` times back to back
    on the same inputs: the medians (the machine is shared, one run can be 30 % off),
    every run's wall time, and the system time (the first run in a process pays for
    fresh memory: page faults)."""
    walls: list[float] = []
    cpus: list[float] = []
    systems: list[float] = []
    base_walls: list[float] = []
    base_cpus: list[float] = []
    result: MatchResult | None = None
    for _ in range(runs):
        result = None  # the run before freed first, as a fresh run finds the memory
        gc.collect()
        started, before = time.perf_counter(), os.times()
        result = match(expected, cols)
        after = os.times()
        walls.append(time.perf_counter() - started)
        cpus.append(after.user - before.user + after.system - before.system)
        systems.append(after.system - before.system)
        started, base_cpu = time.perf_counter(), time.process_time()
        pairs = plain_candidates(expected, cols)
        base_walls.append(time.perf_counter() - started)
        base_cpus.append(time.process_time() - base_cpu)
    assert result is not None
    wall, cpu, base_wall, base_cpu = map(median, (walls, cpus, base_walls, base_cpus))
    each = "/".join(f"{w:.2f}" for w in walls)
    print(
        f"[speed] {label}: match_seconds={wall:.2f} wall, {cpu:.2f} cpu, "
        f"{median(systems):.2f} system (median of {runs}; runs {each} s wall; target <= 3 s) "
        f"auto_links={len(result.auto_links)}"
    )
    print(
        f"[speed] {label}: plain_vectorised_candidates_seconds={base_wall:.2f} wall, "
        f"{base_cpu:.2f} cpu pairs={pairs} ratio={wall / base_wall:.1f}x wall, "
        f"{cpu / base_cpu:.1f}x cpu (goal <= 3x; medians)"
    )
    return result


def speed(scale: float, seed: int, trace_memory: bool, runs: int) -> None:
    vouchers, transactions = int(100_000 * scale), int(1_000_000 * scale)
    small = generate(1000, 10_000, seed=seed + 1, tenants=2)
    match(small.expected, small.txns)  # first calls (imports, compiled patterns) apart
    started = time.perf_counter()
    data = generate(vouchers, transactions, seed=seed, tenants=max(1, int(100 * scale)))
    as_production_reads(data.expected)
    expected = data.expected
    print(f"[speed] generation_seconds={time.perf_counter() - started:.1f} (excluded)")
    started = time.perf_counter()
    cols = TxnColumns.from_txns(data.txns)
    print(
        f"[speed] to_columns_seconds={time.perf_counter() - started:.1f} (excluded: the store "
        "reads columns directly)"
    )
    started = time.perf_counter()
    keys = KeyColumns.of(cols.names, cols.ibans, cols.creditors, cols.remittances)
    keyed = time.perf_counter() - started
    stored = keys.stored_values(np.arange(len(cols), dtype=np.int64))
    started = time.perf_counter()
    KeyColumns.stored(
        stored, cols.names, cols.ibans, cols.creditors, cols.remittances, cols.advised
    )
    print(
        f"[speed] line_keys_seconds={keyed:.1f} (excluded: what matching reads of the texts, "
        "worked out by the first run that reads a line and stored with it, line_keys); "
        f"read as stored {time.perf_counter() - started:.2f} s"
    )
    del keys, stored
    del data
    gc.collect()
    rss_input = _rss_mb()
    print(f"[speed] payments={len(expected)} transactions={len(cols)} one process, no fork")
    print(
        f"[speed] interpreter={platform.python_implementation()} {platform.python_version()} "
        f"({os.path.realpath(sys._base_executable)}): the venv's interpreter (Makefile)"
    )
    result = _timed("generator's objects", expected, cols, runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"[speed] rss_before_match_mb={rss_input:.0f} peak_rss_mb={peak:.0f} "
        "(peak includes generating the data)"
    )
    digest = result_digest(result)
    print(
        f"[speed] result_digest={digest} links={len(result.auto_links)} "
        f"suggested={len(result.suggestions_by_payment)} open={len(result.unmatched)} "
        "(equal before and after a speed change)"
    )
    del result
    if trace_memory:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        match(expected, cols)
        peak_traced = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        print(f"[speed] match_peak_extra_mb={peak_traced / 2**20:.0f} (tracemalloc, above input)")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "inputs.pickle"
        with path.open("wb") as out:
            pickle.dump((expected, cols), out, protocol=pickle.HIGHEST_PROTOCOL)
        child = multiprocessing.get_context("spawn").Process(
            target=_in_a_clean_process, args=(path, runs, digest)
        )
        child.start()
        child.join()
    if child.exitcode:
        raise SystemExit(f"the clean-process run failed (exit code {child.exitcode})")
    expected, cols = as_the_store_reads(expected, cols)
    result = _timed("laid out as the store reads them", expected, cols, runs)
    same = "same" if result_digest(result) == digest else "DIFFERENT"
    print(f"[speed] result_digest={result_digest(result)} ({same} result)")


def _in_a_clean_process(path: Path, runs: int, digest: str) -> None:
    """The inputs laid out as the store reads them, timed in a process that did nothing
    else before (as a worker that reads a tenant's lines): in the generating process
    they lie among the garbage of a million generated objects, which no production
    process has, and every step that reads a line's texts waits for memory."""
    small = generate(1000, 10_000, seed=1, tenants=2)
    match(small.expected, small.txns)
    with path.open("rb") as source:
        expected, cols = pickle.load(source)
    expected, cols = as_the_store_reads(expected, cols)
    gc.collect()
    rss_input = _rss_mb()
    result = _timed("as the store reads them, in a clean process", expected, cols, runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    same = "same" if result_digest(result) == digest else "DIFFERENT"
    print(
        f"[speed] clean process: rss_before_match_mb={rss_input:.0f} peak_rss_mb={peak:.0f} "
        f"(peak includes laying the inputs out) result_digest={result_digest(result)} "
        f"({same} result)",
        flush=True,
    )
    del result
    clients = _by_client(expected, cols)
    del expected, cols  # each client's inputs are laid out anew
    _one_client_at_a_time(clients, runs, digest)


def _by_client(
    expected: list[ExpectedPayment], cols: TxnColumns
) -> list[tuple[list[ExpectedPayment], TxnColumns]]:
    """Each client's payments and lines, laid out as the store reads one client's
    (``run_matching`` reads and matches one tenant at a time)."""
    payments: dict[str, list[ExpectedPayment]] = {}
    for payment in expected:
        payments.setdefault(payment.tenant_id, []).append(payment)
    rows: dict[str, list[int]] = {}
    for row, tenant in enumerate(cols.tenants):
        rows.setdefault(tenant, []).append(row)
    clients = []
    for tenant in sorted(payments.keys() | rows.keys()):
        mine = rows.get(tenant, [])
        picked = cols.take(np.array(mine, dtype=np.int64))
        clients.append(as_the_store_reads(payments.get(tenant, []), picked))
    return clients


def _one_client_at_a_time(
    clients: list[tuple[list[ExpectedPayment], TxnColumns]], runs: int, digest: str
) -> None:
    """The same inputs matched as production matches them: one client after the other,
    each laid out as the store reads it. Their results joined are the result of the
    single call (clients never speak for each other)."""
    walls: list[float] = []
    results: list[MatchResult] = []
    for _ in range(runs):
        results = []  # the run before freed first, as a fresh run finds the memory
        gc.collect()
        started = time.perf_counter()
        results = [match(payments, lines) for payments, lines in clients]
        walls.append(time.perf_counter() - started)
    joined = MatchResult(
        tuple(
            sorted(
                (link for result in results for link in result.auto_links),
                key=lambda link: (link.suggestion.payment_id, link.suggestion.txn_id),
            )
        ),
        {k: v for result in results for k, v in result.suggestions_by_payment.items()},
        tuple(
            sorted((u for result in results for u in result.unmatched), key=lambda u: u.payment_id)
        ),
    )
    same = "same" if result_digest(joined) == digest else "DIFFERENT"
    each = "/".join(f"{w:.2f}" for w in walls)
    print(
        f"[speed] one client at a time, as run_matching calls the engine: "
        f"match_seconds={median(walls):.2f} wall (median of {runs}; runs {each} s) "
        f"clients={len(clients)} result_digest={result_digest(joined)} ({same} result)",
        flush=True,
    )


def incremental(vouchers: int, new: int, changed: int = 50) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = migrated_database(Path(directory))
        found = asyncio.run(time_incremental(url, vouchers, new, changed))
    print(
        f"[incremental] vouchers={vouchers} new_transactions={new} per run; a sync writes "
        f"{new} new and {changed} changed vouchers; SQLite, real run_matching, back to back"
    )
    for label, key, what in (
        ("run_matching_seconds", "incremental", "after import/push, target <= 0.2"),
        ("after_sync_seconds", "after_sync", "stale vouchers rebuilt, target <= 0.2"),
        (
            "with_voucher_rebuild_seconds",
            "with_rebuild",
            "manual run, every voucher rebuilt; a sync's cost before the stale marker",
        ),
    ):
        print(
            f"[incremental] {label}={found[f'{key}_seconds']:.3f} wall, "
            f"{found[f'{key}_cpu_seconds']:.3f} cpu ({what}) "
            f"auto_links={found[f'{key}_auto_links']:.0f} "
            f"open_payments={found[f'{key}_payments']:.0f}"
        )
    print(
        f"[incremental] confirmation_seconds={found['confirmation_seconds']:.3f} wall, "
        f"{found['confirmation_cpu_seconds']:.3f} cpu (a person confirms a suggestion: "
        "the link and the run after it)"
    )
    print(f"[incremental] setup_seconds={found['setup_seconds']:.1f}")


def volume(vouchers: int, lines: int, new: int) -> None:
    print(
        f"[volume] a busy client: {vouchers} open vouchers, {lines} open statement lines, "
        f"then {new} more by one upload right after; real push and run_matching"
    )
    with tempfile.TemporaryDirectory() as directory:
        _volume_on("sqlite", migrated_database(Path(directory)), vouchers, lines, new)
    with postgres_database() as url:
        if url is None:
            print("[volume] postgresql: not reachable, left out")
        else:
            _volume_on("postgresql", url, vouchers, lines, new)


def _volume_on(label: str, url: str, vouchers: int, lines: int, new: int) -> None:
    found = asyncio.run(time_volume(url, vouchers, lines, new))
    print(
        f"[volume] {label}: upload_push_seconds={found['upload_push_seconds']:.2f} wall "
        f"({new} lines stored, {lines} there; the first push of {lines} took "
        f"{found['before_push_seconds']:.2f})"
    )
    for key, what in (
        ("upload", f"after the upload: {lines + new} open lines, {new} of them new"),
        ("again", "the next run, nothing new (the morning run)"),
    ):
        print(
            f"[volume] {label}: {key}_run_seconds={found[f'{key}_seconds']:.2f} wall, "
            f"{found[f'{key}_cpu_seconds']:.2f} cpu ({what}) "
            f"open_payments={found['payments']:.0f} suggestions={found['suggestions']:.0f} "
            f"loop_lag_max_ms={found[f'{key}_loop_lag'] * 1000:.0f} (the longest a page "
            "request in the same process waited)"
        )
        print(
            f"[volume] {label}: {key}_other_client_write_wait_max_ms="
            f"{found[f'{key}_write_wait'] * 1000:.0f} (the longest a small write of another "
            "client's links waited during the run)"
        )


def counted_lines(seed: int, vouchers: int = 2000, lines: int = 500) -> None:
    """A client collecting its invoices by SEPA direct debit in batches booked as one
    line each ("SEPA-B2B-SAMMLER … ANZAHL 3"): ``vouchers`` open invoices over two
    years, ``lines`` batches of three invoices of the month before (one in three a cent
    off: no combination makes it). Every batch's pool is the two months of open
    invoices before it, read by ``collective.counted_groups``: the time of the whole
    run, and how many vouchers were offered a batch."""
    rng = random.Random(seed)
    first = date(2024, 1, 1)
    invoices = [
        ExpectedPayment(
            id=f"c{i}#0",
            voucher_id=f"c{i}",
            tenant_id="counted",
            voucher_type="invoice",
            voucher_number=f"RE-{i:05d}",
            voucher_date=first + timedelta(days=i * 730 // vouchers),
            amount_cents=rng.randint(5000, 90000),
            gross_cents=0,
            paid_date=first + timedelta(days=i * 730 // vouchers + 10),
            contact_id=f"k{i % 300}",
            contact_name=f"Kunde {i % 300}",
        )
        for i in range(vouchers)
    ]
    invoices = [replace(p, gross_cents=p.amount_cents) for p in invoices]
    batches = []
    for j in range(lines):
        day = first + timedelta(days=20 + j * 700 // lines)
        near = [p for p in invoices if 0 <= (day - p.voucher_date).days <= 30]
        items = rng.sample(near, min(3, len(near)))
        batches.append(
            BankTxn(
                id=f"b{j}",
                tenant_id="counted",
                account_id="giro",
                booking_date=day,
                amount_cents=sum(p.amount_cents for p in items) + rng.choice((0, 0, 1)),
                counterparty_name="",
                counterparty_iban="",
                remittance=f"SEPA-B2B-SAMMLER {day:%Y%m%d}-{j:03d} ANZAHL {len(items)}",
            )
        )
    started = time.perf_counter()
    result = match(invoices, batches)
    print(
        f"[speed] counted_lines_seconds={time.perf_counter() - started:.2f} wall "
        f"(open_invoices={vouchers} batch_lines={lines}, three items each) "
        f"offered={len(result.suggestions_by_payment)} auto_links={len(result.auto_links)}"
    )


def _load(label: str) -> None:
    one, five, fifteen = os.getloadavg()
    print(f"[{label}] load_average={one:.2f} {five:.2f} {fifteen:.2f} cpus={os.cpu_count()}")


def main(scale: float, seed: int, only: str | None, trace_memory: bool, runs: int) -> None:
    if only in (None, "quality"):
        quality_synthetic(scale, seed)
        quality_scenarios(seed)
        quality_statement_files(seed)
    if only in (None, "replay"):
        replayed(seed)
    if only in (None, "speed"):
        _load("speed")
        counted_lines(seed)
        speed(scale, seed, trace_memory, runs)
        _load("speed")
    if only in (None, "incremental"):
        _load("incremental")
        incremental(max(1000, int(20_000 * min(scale, 1.0))), 200)
        _load("incremental")
    if only in (None, "volume"):
        _load("volume")
        volume(2_000, int(80_000 * min(scale, 1.0)), int(40_000 * min(scale, 1.0)))
        _load("volume")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--only", choices=("quality", "replay", "speed", "incremental", "volume"))
    parser.add_argument("--trace-memory", action="store_true", help="second run under tracemalloc")
    parser.add_argument("--runs", type=int, default=3, help="full-scale runs per layout")
    args = parser.parse_args()
    main(args.scale, args.seed, args.only, args.trace_memory, max(1, args.runs))
