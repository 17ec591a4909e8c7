"""Benchmark of the PKI: key store operations, trust list checks, revocation lists of 100k cards.

Run: ``.venv/bin/python bench/bench_pki.py``

What a border verifier pays per card beyond the signature itself (a trust list
lookup and ``signer_status``, a revocation lookup) is printed as a share of one
raw Ed25519 verification measured in the same run.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aes_id.domain import CardNumber, Country, RevocationReason
from aes_id.pki import certs
from aes_id.pki.keys import KeyStore, init_store
from aes_id.pki.revocation import (
    RevokedCard,
    build_revocation_list,
    parse_revocation_list,
    sign_revocation_list,
)
from aes_id.pki.trust import parse_trust_list, sign_trust_list

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
PASSPHRASE = "benchmark passphrase"


def rate(label: str, work: Callable[[], object], seconds: float = 0.5) -> float:
    """Calls per second of ``work`` over about ``seconds``; prints and returns it."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        work()
        count += 1
    per_second = count / elapsed
    print(f"{label:<52} {per_second:>12,.0f} /s  {1e6 / per_second:>9.1f} µs")
    return per_second


def figure(label: str, value: str) -> None:
    print(f"{label:<52} {value:>12}")


def bench_store(path: Path) -> KeyStore:
    start = time.perf_counter()
    store = init_store(path, PASSPHRASE, NOW)
    figure("init (root, 3 State CAs, 3 signers, log key)", f"{time.perf_counter() - start:.3f} s")
    rate(
        "decrypt the active signer's key (signer_key)",
        lambda: store.signer_key(Country.MLI, PASSPHRASE),
    )
    rate("open the store (read store.json)", lambda: KeyStore.open(path))
    return store


def bench_rotate(store: KeyStore) -> None:
    later = [NOW]

    def rotate() -> None:
        later[0] += dt.timedelta(seconds=1)
        store.rotate(Country.BFA, PASSPHRASE, later[0])

    rate("rotate a signer (new key, certificate, fsyncs)", rotate, seconds=1.0)


def bench_trust_list(store: KeyStore) -> None:
    root = store.root_key(PASSPHRASE)
    trust_list = store.trust_list(1, NOW)
    signed = sign_trust_list(trust_list, root.private_key, root.kid)
    anchor = store.root_certificate()
    figure(f"trust list size ({len(trust_list.entries)} entries)", f"{len(signed):,} B")
    rate("parse + verify the trust list (all chains)", lambda: parse_trust_list(signed, anchor))
    parsed = parse_trust_list(signed, anchor)
    kid, _ = store.active_signer(Country.MLI)
    at = NOW + dt.timedelta(days=1)
    per_status = rate(
        "signer_status(kid, iat) on a parsed list", lambda: parsed.signer_status(kid, at)
    )
    key = Ed25519PrivateKey.generate()
    message = bytes(340)
    signature, public = key.sign(message), key.public_key()
    per_verify = rate(
        "raw Ed25519 verify (340-byte message)", lambda: public.verify(signature, message)
    )
    figure("  signer_status cost / one Ed25519 verify", f"{per_verify / per_status:.3f}")


def bench_revocations(store: KeyStore, count: int = 100_000) -> None:
    rng = random.Random(7)
    reasons = list(RevocationReason)
    cards = [
        RevokedCard(CardNumber(f"ML{n:07d}"), rng.choice(reasons), NOW - dt.timedelta(seconds=n))
        for n in rng.sample(range(10_000_000), count)
    ]
    ca = store.state_ca_key(Country.MLI, PASSPHRASE)
    start = time.perf_counter()
    revocations = build_revocation_list(Country.MLI, 1, NOW, cards)
    signed = sign_revocation_list(revocations, ca.private_key, ca.kid)
    elapsed = time.perf_counter() - start
    figure(f"build + sign a revocation list of {count:,} cards", f"{elapsed:.3f} s")
    figure("  size", f"{len(signed):,} B")
    figure("  bytes per revoked card", f"{len(signed) / count:.1f}")
    trust_list = store.trust_list(2, NOW)
    start = time.perf_counter()
    parsed = parse_revocation_list(signed, trust_list)
    figure("  parse + verify", f"{time.perf_counter() - start:.3f} s")
    probes = [f"ML{rng.randrange(10_000_000):07d}" for _ in range(1000)]
    index = [0]

    def lookup() -> None:
        index[0] = (index[0] + 1) % len(probes)
        parsed.is_revoked(probes[index[0]])

    rate("  is_revoked(card_number) (bisect)", lookup)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = bench_store(Path(folder) / "keys")
        bench_trust_list(store)
        bench_rotate(store)
        print("after the rotations:")
        bench_trust_list(store)
        bench_revocations(store)
        cert = store.root_certificate()
        rate("kid of a certificate (SHA-256 of its DER)", lambda: certs.kid_of(cert))


if __name__ == "__main__":
    main()
