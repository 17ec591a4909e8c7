"""The names of the files the operator exports and border posts sync.

One folder (the key store, or a post's synced copy) holds::

    root.crt.pem              the AES root certificate, the trust anchor a post pins
    trust-list.cose           the trust list, signed by the root
    revocations-<STATE>.cose  each state's revocation list, signed by its State CA

Every writer and reader of these files takes the names from here.
"""

from __future__ import annotations

from aes_id.domain import Country

TRUST_LIST_FILE = "trust-list.cose"
ROOT_CERT_FILE = "root.crt.pem"
REVOCATION_GLOB = "revocations-*.cose"


def revocation_file(state: Country | str) -> str:
    """``revocations-MLI.cose`` for Mali, and so on."""
    code = state.value if isinstance(state, Country) else state
    return f"revocations-{code}.cose"
