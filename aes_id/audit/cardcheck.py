"""Every card's signed bytes checked against its row, its Document Signer and its QR text.

For each card row (docs/audit-log.md, check 4), in a worker process:

1. ``h`` = SHA-256 of the stored COSE_Sign1, for the log's leaf to match;
2. the COSE_Sign1 parses and its protected ``kid`` is the row's (RFC 9052 §4.2);
3. its Ed25519 signature verifies with the key of that Document Signer's
   certificate, as the trust list carries it (:func:`aes_id.formats.cose.verify1`);
4. the signed claims name the row's card number, NIN, state, issue time and expiry;
5. the row's QR text is exactly Base45(zlib(those COSE bytes)) (docs/credential.md).

Ed25519 verification is nearly all the cost, and the floor no audit can beat,
so everything else is kept lean: rows are read without ORM type conversion, a
page's QR texts are Base45-decoded in one call, and the claims are compared
straight from their CBOR map (the full parser, :func:`decode_claims`, runs only
to explain a mismatch). Pages go to a pool of processes;
:meth:`CardChecker.tick` keeps the pool fed while the parent scans the leaves.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, NamedTuple, cast

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import ColumnElement
from sqlmodel import Session

from aes_id.audit.rawsql import untyped, untyped_select
from aes_id.errors import AesIdError
from aes_id.formats import base45
from aes_id.formats.claims import decode_claims
from aes_id.formats.cose import decode1, verify1
from aes_id.formats.credential import MAX_INFLATED_BYTES
from aes_id.parallel import worker_pool
from aes_id.registry import tables

PAGE = 256
"""Cards per page read and per task sent to a worker."""
AHEAD = 4
"""Pages queued per worker, so that none waits while the parent is busy."""

SignerKeys = Mapping[bytes, tuple[bytes, str]]
"""kid -> (raw Ed25519 public key, state) of every Document Signer in the trust list."""

CardRowData = tuple[str, str, str, Any, Any, str, bytes, str]
"""A card row as read: card number, NIN, state, issued at, expires on, kid (hex), COSE, QR text.

Times come as the database gives them (a datetime, or SQLite's ISO text).
"""
_COLUMNS = ("card_number", "nin", "state", "issued_at", "expires_on", "kid", "cose", "qr_text")

# CWT claim keys (RFC 8392 §4) and Claim 169 identity keys, as docs/credential.md uses them.
_EXP, _IAT, _CTI, _IDENTITY = 4, 6, 7, 169
_ID_NIN, _ID_STATE = 1, 23
_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
_LAST_SECOND_OF_DAY = 86399  # exp is the last second of the expiry day, UTC (end_of_day)
_QR_DIFFERS = "its QR text does not carry the stored COSE_Sign1"


class CardResult(NamedTuple):
    """One card checked: its row's key columns, the hash of its COSE_Sign1, what failed."""

    card_number: str
    state: str
    kid: str
    issued_at: int
    h: bytes
    problems: tuple[str, ...]


@functools.lru_cache(maxsize=256)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def _utc(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _day(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[no-any-return]


Checked = tuple[bytes, int, tuple[str, ...]]
"""What a worker sends back for a card: ``h``, the row's issue time in seconds, the problems."""


def check_cards(rows: Sequence[CardRowData], keys: SignerKeys) -> list[Checked]:
    """Steps 1-5 for a page of cards (the unit of work sent to a worker)."""
    carried = _qr_payloads([row[7] for row in rows])
    return [_check(row, keys, qr) for row, qr in zip(rows, carried, strict=True)]


def _check(row: CardRowData, keys: SignerKeys, qr: bytes | str) -> Checked:
    cose = bytes(row[6])
    try:
        issued = int(_utc(row[3]).timestamp())
    except (TypeError, ValueError):
        issued = -1
    h, problems = _check_signed(row, cose, issued, keys, qr)
    return h, issued, problems


def _check_signed(
    row: CardRowData, cose: bytes, issued: int, keys: SignerKeys, qr: bytes | str
) -> tuple[bytes, tuple[str, ...]]:
    h = hashlib.sha256(cose).digest()
    problems: list[str] = []
    if qr != cose:
        problems.append(qr if isinstance(qr, str) else _QR_DIFFERS)
    try:
        message = decode1(cose)
    except AesIdError as exc:
        return h, (*problems, f"its COSE_Sign1 does not parse: {exc.message}")
    kid = message.kid or b""
    if kid.hex() != row[5]:
        problems.append(f"signed under kid {kid.hex() or 'none'}, the row says kid {row[5]}")
    signer = keys.get(kid)
    if signer is None:
        problems.append(f"kid {kid.hex()} is not a Document Signer in the trust list")
        return h, tuple(problems)
    try:
        payload = verify1(message, _public_key(signer[0]))
    except AesIdError as exc:
        problems.append(
            f"signature does not verify with the Document Signer certificate of kid "
            f"{kid.hex()}: {exc.message}"
        )
        return h, tuple(problems)
    if not _claims_match(row, payload, issued):
        problems.extend(claims_problems(row, payload))
    return h, tuple(problems)


def _claims_match(row: CardRowData, payload: bytes, issued: int) -> bool:
    """The quick comparison: the five signed fields, read straight from the CBOR map."""
    try:
        cwt = cbor2.loads(payload)
        identity = cwt[_IDENTITY]
        expires = (_day(row[4]).toordinal() - _EPOCH_DAY) * 86400 + _LAST_SECOND_OF_DAY
        return (  # type: ignore[no-any-return]
            cwt[_CTI] == row[0].encode()
            and identity[_ID_NIN] == row[1]
            and identity[_ID_STATE] == row[2]
            and cwt[_IAT] == issued
            and cwt[_EXP] == expires
        )
    except Exception:  # anything unexpected is explained by the full parser
        return False


def claims_problems(row: CardRowData, payload: bytes) -> list[str]:
    """What differs between a card row and its signed claims, read by the full claims parser."""
    try:
        claims = decode_claims(payload)
        pairs = (
            ("card number", row[0], claims.card_number),
            ("NIN", row[1], claims.identity.nin),
            ("state", row[2], claims.issuing_state.value),
            ("issue time", _utc(row[3]).isoformat(), claims.issued_at.isoformat()),
            ("expiry", _day(row[4]).isoformat(), claims.expires_on.isoformat()),
        )
    except AesIdError as exc:
        return [f"the signed claims do not parse: {exc.message}"]
    except (TypeError, ValueError) as exc:
        return [f"the row's dates do not read: {exc}"]
    found = [
        f"the row says {name} {mine}, the signed credential says {signed}"
        for name, mine, signed in pairs
        if mine != signed
    ]
    return found or ["the signed claims do not match the row"]


def _qr_payloads(texts: Sequence[str]) -> list[bytes | str]:
    """What each QR text carries: the inflated bytes, or why it does not decode.

    Base45 (RFC 9285) decodes triples independently, so the whole triples of every
    text, then each text's final pair padded to a triple (``xy`` + ``0``: the
    same value, written on two bytes), are decoded in one call. A page with a
    text no Base45 can be is decoded text by text, to say which.
    """
    if any(len(text) % 3 == 1 for text in texts):
        return [_qr_payload(text) for text in texts]
    cuts = [len(text) - len(text) % 3 for text in texts]
    tails = "".join(
        text[cut:] + "0" for text, cut in zip(texts, cuts, strict=True) if cut < len(text)
    )
    try:
        raw = base45.decode(
            "".join(text[:cut] for text, cut in zip(texts, cuts, strict=True)) + tails
        )
    except AesIdError:
        return [_qr_payload(text) for text in texts]
    out: list[bytes | str] = []
    at, tail_at = 0, sum(cuts) // 3 * 2
    for text, cut in zip(texts, cuts, strict=True):
        data = raw[at : at + cut // 3 * 2]
        at += cut // 3 * 2
        if cut < len(text):
            high, low = raw[tail_at], raw[tail_at + 1]
            tail_at += 2
            if high:  # the final pair is above 255: let the decoder say so
                out.append(_qr_payload(text))
                continue
            data += bytes((low,))
        out.append(_inflate(data))
    return out


def select_cards(session: Session, numbers: Sequence[str]) -> list[CardRowData]:
    """The rows of the cards ``numbers`` (those that exist), as :func:`card_pages` reads them."""
    query = untyped_select(tables.CardRow, *_COLUMNS).where(untyped("card_number").in_(numbers))
    return [cast(CardRowData, tuple(row)) for row in session.execute(query).all()]


def _qr_payload(text: str) -> bytes | str:
    try:
        return _inflate(base45.decode(text))
    except AesIdError as exc:
        return f"its QR text is not Base45: {exc.message}"


def _inflate(deflated: bytes) -> bytes | str:
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(deflated, MAX_INFLATED_BYTES)
    except zlib.error as exc:
        return f"its QR text is not a zlib stream: {exc}"
    if not inflater.eof or inflater.unused_data:
        return "its QR text is not exactly one zlib stream within 64 KiB"
    return inflated


def card_pages(
    session: Session, size: int, where: ColumnElement[bool] | None = None
) -> Iterator[list[CardRowData]]:
    """Card rows (those matching ``where``, default all) in card-number order, a page at a time.

    Keyset pagination.
    Untyped columns: the rows come as the driver gives them, without the ORM's
    per-value conversions, which would cost as much as the rest of the check.
    """
    number = untyped("card_number")
    query = untyped_select(tables.CardRow, *_COLUMNS)
    if where is not None:
        query = query.where(where)
    last = ""
    while True:
        page = query.where(number > last).order_by(number).limit(size)
        rows = [cast(CardRowData, tuple(row)) for row in session.execute(page).all()]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


class CardChecker:
    """Checks every card (or the pages of ``rows``), in worker processes when ``workers > 1``.

    Call :meth:`tick` often while doing other work, then :meth:`finish` for
    every result, in card-number order.
    """

    def __init__(
        self,
        session: Session,
        keys: SignerKeys,
        workers: int,
        *,
        page: int = PAGE,
        progress: Callable[[int], None] | None = None,
        rows: Iterator[list[CardRowData]] | None = None,
    ) -> None:
        self._keys = dict(keys)
        self._progress = progress
        self._pages = rows if rows is not None else card_pages(session, page)
        self._pool = worker_pool(workers) if workers > 1 else None
        self._limit = workers * AHEAD
        self._pending: deque[tuple[list[CardRowData], Future[Any]]] = deque()
        self._results: list[CardResult] = []
        self.checked = 0

    def tick(self) -> None:
        """Collect finished pages and queue new ones (one page inline without a pool)."""
        if self._pool is None:
            page = next(self._pages, None)
            if page is not None:
                self._collect(page, check_cards(page, self._keys))
            return
        while self._pending and self._pending[0][1].done():
            page, future = self._pending.popleft()
            self._collect(page, future.result())
        while len(self._pending) < self._limit:
            page = next(self._pages, None)
            if page is None:
                break
            self._pending.append((page, self._pool.submit(check_cards, page, self._keys)))

    def finish(self) -> list[CardResult]:
        """Wait for every card; the results in card-number order."""
        try:
            if self._pool is None:
                for page in self._pages:
                    self._collect(page, check_cards(page, self._keys))
            while self._pool is not None:
                self.tick()
                if not self._pending:
                    break
                page, future = self._pending.popleft()
                self._collect(page, future.result())
        finally:
            self.close()
        return self._results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _collect(self, page: list[CardRowData], results: list[Checked]) -> None:
        for row, (h, issued, problems) in zip(page, results, strict=True):
            self._results.append(CardResult(row[0], row[2], row[5], issued, h, problems))
        self.checked += len(page)
        if self._progress is not None:
            self._progress(len(page))
