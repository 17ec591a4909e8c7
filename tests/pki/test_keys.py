"""The key store: layout, encryption, passphrases, rotation, revocation, events, atomicity."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization as ser

from aes_id.domain import Country
from aes_id.errors import KeyStoreError, NotFoundError, UsageError
from aes_id.pki import certs, keyfiles, keygen, staging
from aes_id.pki.certs import KeyRole, KeyStatus
from aes_id.pki.keys import (
    LOG_KEY_NAME,
    KeyEventKind,
    KeyRevocationReason,
    KeyStore,
    init_store,
    note_key_id,
    stage_init,
)
from tests.pki.conftest import NOW, PASSPHRASE, seeded_keys, snapshot

LATER = NOW + dt.timedelta(days=30)


def test_init_makes_the_whole_hierarchy(store: KeyStore) -> None:
    roles = [(r.role, r.state) for r in store.list_keys()]
    assert roles.count((KeyRole.ROOT, None)) == 1
    assert roles.count((KeyRole.LOG, None)) == 1
    for state in Country:
        assert roles.count((KeyRole.STATE_CA, state)) == 1
        assert roles.count((KeyRole.DOCUMENT_SIGNER, state)) == 1
        kid, cert = store.active_signer(state)
        assert kid == certs.kid_of(cert)
        ca_kid, ca = store.state_ca(state)
        certs.check_issued_by(cert, ca)
        certs.check_issued_by(ca, store.root_certificate())
        assert store.record(kid).issuer == ca_kid
        assert store.record(kid).signing_until == NOW.replace(year=2029)


def test_private_keys_are_encrypted_and_private(store: KeyStore, store_path: Path) -> None:
    key_files = sorted(store_path.glob("*.key.pem"))
    assert len(key_files) == 8
    for file in key_files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        text = file.read_text()
        assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert "BEGIN PRIVATE KEY" not in text
        with pytest.raises(TypeError):
            ser.load_pem_private_key(text.encode(), None)
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o700
    assert not list(store_path.glob(".*.tmp"))


def test_loaded_keys_match_their_certificates(store: KeyStore) -> None:
    _, private, cert = store.signer_key(Country.NER, PASSPHRASE)
    certs.public_key_of(cert).verify(private.sign(b"card"), b"card")
    assert store.root_key(PASSPHRASE).certificate == store.root_certificate()
    assert store.state_ca_key(Country.NER, PASSPHRASE).kid == store.state_ca(Country.NER)[0]
    log = store.log_key(PASSPHRASE)
    assert log.public_key() == store.log_public_key()


def test_a_wrong_passphrase_is_one_clear_line(store: KeyStore, store_path: Path) -> None:
    with pytest.raises(KeyStoreError) as info:
        store.signer_key(Country.MLI, "not the passphrase")
    message = str(info.value)
    assert message.startswith(f"wrong passphrase for {store_path}/document-signer-MLI-")
    assert "\n" not in message
    assert info.value.hint and "AES_ID_KEY_PASSPHRASE" in info.value.hint


def test_an_unencrypted_key_file_is_refused(store: KeyStore, store_path: Path) -> None:
    record = store.record(store.active_signer(Country.MLI)[0])
    plain = seeded_keys("plain")().private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()
    )
    (store_path / record.key_file).write_bytes(plain)
    with pytest.raises(KeyStoreError, match="is not encrypted"):
        store.load_private(record.kid, PASSPHRASE)


def test_a_swapped_key_file_is_refused(store: KeyStore, store_path: Path) -> None:
    mli = store.record(store.active_signer(Country.MLI)[0])
    ner = store.record(store.active_signer(Country.NER)[0])
    (store_path / mli.key_file).write_bytes((store_path / ner.key_file).read_bytes())
    with pytest.raises(KeyStoreError, match="does not match"):
        store.load_private(mli.kid, PASSPHRASE)


def test_a_missing_store_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError) as info:
        KeyStore.open(tmp_path / "nowhere")
    assert "no key store" in str(info.value)
    assert "aes-id keys init" in (info.value.hint or "")


def test_a_damaged_store_is_reported(store_path: Path, store: KeyStore) -> None:
    (store_path / "store.json").write_text("{not json")
    with pytest.raises(KeyStoreError, match=r"store\.json is damaged"):
        KeyStore.open(store_path)


def test_open_reads_what_init_wrote(store: KeyStore, store_path: Path) -> None:
    reopened = KeyStore.open(store_path)
    assert reopened.list_keys() == store.list_keys()
    assert reopened.events() == store.events()


def test_init_refuses_an_existing_store_unless_forced(store: KeyStore, store_path: Path) -> None:
    before = snapshot(store_path)
    with pytest.raises(KeyStoreError, match="already exists"):
        init_store(store_path, PASSPHRASE, LATER)
    assert snapshot(store_path) == before
    fresh = init_store(store_path, PASSPHRASE, LATER, force=True)
    assert {r.kid for r in fresh.list_keys()}.isdisjoint({r.kid for r in store.list_keys()})
    [archive] = store_path.glob("replaced-*")
    assert (archive / "store.json").read_bytes() == before["store.json"]
    for name, data in before.items():
        if name != "store.json":
            assert (archive / name).read_bytes() == data
            assert not (store_path / name).exists()
    assert KeyStore.open(store_path).list_keys() == fresh.list_keys()


def test_init_for_some_states_only(tmp_path: Path) -> None:
    store = init_store(tmp_path / "k", PASSPHRASE, NOW, [Country.BFA])
    store.active_signer(Country.BFA)
    with pytest.raises(KeyStoreError, match="no state-ca key for MLI"):
        store.state_ca(Country.MLI)


def test_an_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="passphrase is empty"):
        init_store(tmp_path / "k", "", NOW)
    assert not (tmp_path / "k").exists()


def test_init_events_are_ready_for_the_audit_log(store: KeyStore) -> None:
    events = store.events()
    assert [e.kind for e in events] == [KeyEventKind.GENERATED] * 8
    root_kid = certs.kid_of(store.root_certificate())
    for event in events:
        assert event.at == NOW
        if event.role is KeyRole.LOG:
            assert event.signed is None and event.signed_by is None
            continue
        assert event.signed is not None
        assert hashlib.sha256(event.signed).digest()[:8] == event.kid
        assert event.log_hash() == hashlib.sha256(event.signed).digest()
        if event.role is KeyRole.ROOT:
            assert event.signed_by == root_kid
    ca_event = next(e for e in events if e.role is KeyRole.STATE_CA)
    assert ca_event.signed_by == root_kid


def test_rotate_retires_the_old_signer_and_keeps_it_trusted(store: KeyStore) -> None:
    old_kid, _ = store.active_signer(Country.MLI)
    event = store.rotate(Country.MLI, PASSPHRASE, LATER, key_factory=seeded_keys("rotate"))
    new_kid, new_cert = store.active_signer(Country.MLI)
    assert new_kid == event.kid != old_kid
    assert event.kind is KeyEventKind.ROTATED
    assert event.signed == certs.der_of(new_cert)
    assert event.signed_by == store.state_ca(Country.MLI)[0]
    assert old_kid.hex() in event.detail
    assert certs.common_name(new_cert) == "AES Document Signer MLI 02"
    old = store.record(old_kid)
    assert (old.status, old.retired_at) == (KeyStatus.RETIRED, LATER)
    entries = {e.kid: e for e in store.trust_list(1, LATER).entries}
    assert entries[old_kid].status is KeyStatus.RETIRED
    assert entries[old_kid].retired_at == LATER
    assert entries[new_kid].status is KeyStatus.ACTIVE
    reopened = KeyStore.open(store.path)
    assert reopened.active_signer(Country.MLI)[0] == new_kid
    assert reopened.events()[-1] == event
    assert store.active_signer(Country.BFA) == reopened.active_signer(Country.BFA)


def test_rotate_refuses_a_clock_set_back(store: KeyStore) -> None:
    with pytest.raises(UsageError, match="check the clock"):
        store.rotate(Country.MLI, PASSPHRASE, NOW - dt.timedelta(days=1))


def test_rotate_with_a_wrong_passphrase_changes_nothing(store: KeyStore) -> None:
    before = snapshot(store.path)
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        store.rotate(Country.MLI, "wrong", LATER)
    assert snapshot(store.path) == before


def test_revoke_marks_the_key_from_a_date(store: KeyStore) -> None:
    kid, _ = store.active_signer(Country.BFA)
    since = NOW + dt.timedelta(days=10)
    event = store.revoke(kid, since, "key-compromise", LATER)
    assert (event.kind, event.kid, event.at, event.signed) == (
        KeyEventKind.REVOKED,
        kid,
        LATER,
        None,
    )
    record = KeyStore.open(store.path).record(kid)
    assert record.status is KeyStatus.REVOKED
    assert (record.revoked_from, record.revoked_at, record.reason) == (
        since,
        LATER,
        "key-compromise",
    )
    entry = store.trust_list(2, LATER).entries
    assert {e.kid: e for e in entry}[kid].revoked_from == since
    with pytest.raises(KeyStoreError, match="no active Document Signer for BFA") as info:
        store.signer_key(Country.BFA, PASSPHRASE)
    assert "rotate --state BFA" in (info.value.hint or "")
    store.rotate(Country.BFA, PASSPHRASE, LATER)
    assert store.active_signer(Country.BFA)[0] != kid


def test_revoke_refuses_root_log_twice_and_unknown(store: KeyStore) -> None:
    root_kid = certs.kid_of(store.root_certificate())
    with pytest.raises(UsageError, match="root key cannot be revoked"):
        store.revoke(root_kid, NOW, "unspecified", LATER)
    log = next(r for r in store.list_keys() if r.role is KeyRole.LOG)
    with pytest.raises(UsageError, match="log key cannot be revoked"):
        store.revoke(log.kid, NOW, "unspecified", LATER)
    kid, _ = store.active_signer(Country.NER)
    store.revoke(kid, NOW, KeyRevocationReason.SUPERSEDED, LATER)
    with pytest.raises(UsageError, match="already revoked"):
        store.revoke(kid, NOW, "superseded", LATER)
    with pytest.raises(NotFoundError):
        store.revoke(b"\x00" * 8, NOW, "superseded", LATER)
    with pytest.raises(UsageError, match="unknown key revocation reason 'lost'"):
        store.revoke(store.state_ca(Country.NER)[0], NOW, "lost", LATER)


def test_a_revoked_state_ca_cannot_certify(store: KeyStore) -> None:
    store.revoke(store.state_ca(Country.MLI)[0], NOW, "ca-compromise", LATER)
    with pytest.raises(KeyStoreError, match="State CA of MLI is revoked"):
        store.rotate(Country.MLI, PASSPHRASE, LATER)


def test_key_revocation_reasons_parse() -> None:
    assert KeyRevocationReason.parse(" Key_Compromise ") is KeyRevocationReason.KEY_COMPROMISE


def test_log_verifier_key_follows_c2sp_signed_note(store: KeyStore) -> None:
    public = store.log_public_key()
    raw = public.public_bytes_raw()
    name, key_id, encoded = store.log_verifier().split("+")
    assert name == LOG_KEY_NAME == "aes-id/registry-log"
    expected_id = hashlib.sha256(b"aes-id/registry-log\n\x01" + raw).digest()[:4]
    assert bytes.fromhex(key_id) == expected_id == note_key_id(LOG_KEY_NAME, public)
    assert base64.b64decode(encoded) == b"\x01" + raw


# --- atomicity: a failure leaves the store as it was ------------------------------------------


def _failing_on(monkeypatch: pytest.MonkeyPatch, module: object, name_part: str) -> None:
    real = keyfiles.write_file

    def write(file: Path, data: bytes, mode: int) -> None:
        if name_part in file.name:
            raise OSError(28, "No space left on device")
        real(file, data, mode)

    monkeypatch.setattr(module, "write_file", write)


def test_rotate_failing_at_the_metadata_leaves_the_store_as_it_was(
    store: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(store.path)
    _failing_on(monkeypatch, staging, "store.json")
    with pytest.raises(KeyStoreError, match="No space left on device"):
        store.rotate(Country.MLI, PASSPHRASE, LATER)
    assert snapshot(store.path) == before
    assert store.list_keys() == KeyStore.open(store.path).list_keys()


def test_rotate_failing_while_staging_leaves_the_store_as_it_was(
    store: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(store.path)
    _failing_on(monkeypatch, keygen, ".crt.pem")  # the key file is written, the cert fails
    with pytest.raises(KeyStoreError, match="could not write the key store"):
        store.rotate(Country.MLI, PASSPHRASE, LATER)
    assert snapshot(store.path) == before


def test_init_failing_halfway_leaves_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _failing_on(monkeypatch, keygen, "document-signer-NER")
    with pytest.raises(KeyStoreError):
        init_store(tmp_path / "k", PASSPHRASE, NOW)
    assert snapshot(tmp_path / "k") == {}
    with pytest.raises(KeyStoreError, match="no key store"):
        KeyStore.open(tmp_path / "k")


def test_a_staged_change_can_be_discarded_or_left(store: KeyStore) -> None:
    before = snapshot(store.path)
    staged = store.stage_rotate(Country.NER, PASSPHRASE, LATER)
    assert len(snapshot(store.path)) == len(before) + 2  # the new key and certificate
    staged.discard()
    assert snapshot(store.path) == before
    with store.stage_rotate(Country.NER, PASSPHRASE, LATER) as staged:
        assert staged.events[0].kind is KeyEventKind.ROTATED
    assert snapshot(store.path) == before
    with (
        pytest.raises(RuntimeError),
        store.stage_revoke(store.state_ca(Country.NER)[0], NOW, "superseded", LATER),
    ):
        raise RuntimeError("the database transaction failed")
    assert snapshot(store.path) == before


def test_a_commit_after_a_concurrent_change_is_refused(store: KeyStore) -> None:
    other = KeyStore.open(store.path)
    staged = store.stage_rotate(Country.MLI, PASSPHRASE, LATER)
    other.rotate(Country.BFA, PASSPHRASE, LATER)
    metadata = (store.path / "store.json").read_bytes()
    with pytest.raises(KeyStoreError, match="changed while this operation ran"):
        staged.commit()
    assert (store.path / "store.json").read_bytes() == metadata
    assert not [name for name in snapshot(store.path) if staged.events[0].kid.hex() in name]


def test_metadata_lists_files_and_times(store: KeyStore, store_path: Path) -> None:
    body = json.loads((store_path / "store.json").read_text())
    assert body["format"] == "aes-id-keystore/1"
    signer = next(k for k in body["keys"] if k["role"] == "document-signer")
    assert signer["status"] == "active"
    assert signer["created_at"] == NOW.isoformat()
    assert (store_path / signer["key_file"]).exists()
    assert (store_path / signer["cert_file"]).exists()
    assert {e["kind"] for e in body["events"]} == {"generated"}


def test_a_failure_after_the_commit_reverts_the_change(store: KeyStore) -> None:
    before = snapshot(store.path)
    old_signer = store.active_signer(Country.MLI)
    with pytest.raises(RuntimeError), store.stage_rotate(Country.MLI, PASSPHRASE, LATER) as staged:
        staged.commit()
        assert store.active_signer(Country.MLI) != old_signer
        raise RuntimeError("the database refused the transaction")
    assert snapshot(store.path) == before
    assert store.active_signer(Country.MLI) == old_signer
    assert KeyStore.open(store.path).active_signer(Country.MLI) == old_signer
    with pytest.raises(UsageError, match="reverted"):
        staged.commit()


def test_a_change_succeeding_stays(store: KeyStore) -> None:
    with store.stage_revoke(store.state_ca(Country.BFA)[0], NOW, "superseded", LATER) as staged:
        staged.commit()
    assert staged.committed
    assert KeyStore.open(store.path).state_ca(Country.BFA)[0] == staged.events[0].kid
    record = KeyStore.open(store.path).record(staged.events[0].kid)
    assert record.status is KeyStatus.REVOKED


def test_a_reverted_init_leaves_no_store(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.mkdir()
    (path / "README.md").write_text("kept")
    with pytest.raises(RuntimeError), stage_init(path, PASSPHRASE, NOW) as staged:
        staged.commit()
        assert len(staged.events) == 8
        assert staged.store.active_signer(Country.NER)
        raise RuntimeError("the first lists could not be published")
    assert snapshot(path) == {"README.md": b"kept"}


def test_a_reverted_forced_init_brings_the_old_store_back(store: KeyStore) -> None:
    before = snapshot(store.path)
    with (
        pytest.raises(RuntimeError),
        stage_init(store.path, PASSPHRASE, LATER, force=True) as staged,
    ):
        staged.commit()
        assert list(store.path.glob("replaced-*"))
        raise RuntimeError("no")
    assert snapshot(store.path) == before
    assert not list(store.path.glob("replaced-*"))
    assert KeyStore.open(store.path).list_keys() == store.list_keys()


def test_a_failure_while_setting_the_old_store_aside_changes_nothing(
    store: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(store.path)
    real = keyfiles.os.replace
    calls = iter(range(1000))

    def flaky(src: Path, dst: Path) -> None:
        if "replaced-" in str(dst) and next(calls) == 3:
            raise OSError(5, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(keyfiles.os, "replace", flaky)
    with pytest.raises(KeyStoreError, match="Input/output error"):
        init_store(store.path, PASSPHRASE, LATER, force=True)
    monkeypatch.undo()
    assert snapshot(store.path) == before
    assert not list(store.path.glob("replaced-*"))


# --- compromise: a passphrase long enough, a successor, a replaced State CA ------------------


def test_a_short_passphrase_is_refused_at_init(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="has 11 characters: it needs at least 12") as info:
        init_store(tmp_path / "k", "x" * 11, NOW)
    assert "\n" not in str(info.value) and info.value.hint
    assert not (tmp_path / "k").exists()
    assert init_store(tmp_path / "k", "x" * 12, NOW).list_keys()


def test_revoking_the_active_signer_stages_its_successor(store: KeyStore) -> None:
    old, _ = store.active_signer(Country.MLI)
    since = NOW + dt.timedelta(days=2)
    with store.stage_revoke(old, since, "key-compromise", LATER, passphrase=PASSPHRASE) as staged:
        staged.commit()
    revoked, rotated = staged.events
    assert (revoked.kind, revoked.kid) == (KeyEventKind.REVOKED, old)
    assert rotated.kind is KeyEventKind.ROTATED and f"replaces {old.hex()}, now revoked" in (
        rotated.detail
    )
    reopened = KeyStore.open(store.path)
    new, cert = reopened.active_signer(Country.MLI)
    assert new == rotated.kid != old
    assert certs.common_name(cert) == "AES Document Signer MLI 02"
    assert reopened.record(new).issuer == store.state_ca(Country.MLI)[0]
    assert reopened.record(old).revoked_from == since
    assert reopened.events()[-2:] == staged.events


def test_a_signer_revoked_with_a_wrong_passphrase_changes_nothing(store: KeyStore) -> None:
    before = snapshot(store.path)
    kid, _ = store.active_signer(Country.MLI)
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        store.stage_revoke(kid, NOW, "key-compromise", LATER, passphrase="not the passphrase")
    assert snapshot(store.path) == before


def test_a_revoked_state_ca_signs_nothing(store: KeyStore) -> None:
    ca, _ = store.state_ca(Country.NER)
    store.revoke(ca, NOW, "ca-compromise", LATER)
    with pytest.raises(KeyStoreError, match="State CA of NER is revoked") as info:
        store.state_ca_key(Country.NER, PASSPHRASE)
    assert "aes-id keys replace-ca --state NER" in (info.value.hint or "")
    assert store.state_ca_revoked(Country.NER) == store.record(ca)
    assert store.state_ca_revoked(Country.MLI) is None
    signer, _ = store.active_signer(Country.NER)
    with store.stage_revoke(signer, NOW, "key-compromise", LATER, passphrase=PASSPHRASE) as staged:
        staged.commit()
    assert [e.kind for e in staged.events] == [KeyEventKind.REVOKED]  # no CA to certify one


def test_replace_ca_makes_a_new_ca_and_signer_under_it(store: KeyStore) -> None:
    old_ca, _ = store.state_ca(Country.BFA)
    old_signer, _ = store.active_signer(Country.BFA)
    store.revoke(old_ca, NOW + dt.timedelta(days=1), "ca-compromise", LATER)
    with store.stage_replace_ca(
        Country.BFA, PASSPHRASE, LATER, key_factory=seeded_keys("ca")
    ) as staged:
        staged.commit()
    ca_event, signer_event = staged.events
    new_ca, ca_cert = store.state_ca(Country.BFA)
    new_signer, signer_cert = store.active_signer(Country.BFA)
    assert (ca_event.kid, signer_event.kid) == (new_ca, new_signer)
    assert ca_event.kind is signer_event.kind is KeyEventKind.ROTATED
    assert ca_event.signed == certs.der_of(ca_cert)
    assert ca_event.signed_by == certs.kid_of(store.root_certificate())
    assert signer_event.signed_by == new_ca
    certs.check_issued_by(ca_cert, store.root_certificate())
    certs.check_issued_by(signer_cert, ca_cert)
    assert certs.common_name(signer_cert) == "AES Document Signer BFA 02"
    retired = store.record(old_signer)
    assert (retired.status, retired.retired_at) == (KeyStatus.RETIRED, LATER)
    assert store.state_ca_revoked(Country.BFA) is None
    assert store.state_ca_key(Country.BFA, PASSPHRASE).kid == new_ca
    # Both CAs stay in the trust list, and every chain still checks out.
    trust = store.trust_list(3, LATER)
    trust.verify_chains(store.root_certificate())
    assert {e.kid for e in trust.entries} >= {old_ca, new_ca, old_signer, new_signer}
    issuer = trust.issuer_of(next(e for e in trust.entries if e.kid == new_signer))
    assert issuer is not None and issuer.kid == new_ca
    assert KeyStore.open(store.path).events()[-2:] == staged.events


def test_replace_ca_refuses_a_live_ca_and_a_wrong_passphrase(store: KeyStore) -> None:
    before = snapshot(store.path)
    with pytest.raises(UsageError, match="is not revoked"):
        store.stage_replace_ca(Country.MLI, PASSPHRASE, LATER)
    store.revoke(store.state_ca(Country.MLI)[0], NOW, "ca-compromise", LATER)
    revoked = snapshot(store.path)
    assert revoked != before
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        store.stage_replace_ca(Country.MLI, "not the passphrase", LATER)
    assert snapshot(store.path) == revoked
    with pytest.raises(UsageError, match="check the clock"):
        store.stage_replace_ca(Country.MLI, PASSPHRASE, NOW - dt.timedelta(days=1))
    assert snapshot(store.path) == revoked
