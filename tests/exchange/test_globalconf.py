"""The signed global configuration: verified against the anchor, refused when tampered with,
from another instance, or carrying certificates the platform CA did not issue; revoked
certificates stop being trusted; expiry is X-Road's failure model."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import orjson
import pytest

from tenfold.exchange.central import Revocation
from tenfold.exchange.globalconf import ConfClient, ConfigurationError, verify_envelope
from tenfold.exchange.pki import cert_pem, create_ca, issue, new_key
from tenfold.exchange.signing import Signer
from tests.exchange.keys import Keys, provisioned


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return provisioned(tmp_path)


def resigned(keys: Keys, change) -> bytes:  # type: ignore[no-untyped-def]
    outer = orjson.loads(keys.central.globalconf())
    document = orjson.loads(outer["document"])
    change(document)
    raw = orjson.dumps(document)
    from tenfold.exchange.globalconf import sign_document

    return sign_document(raw, keys.central.signer)


def test_a_configuration_from_central_verifies_and_indexes(keys: Keys) -> None:
    conf = verify_envelope(keys.central.globalconf(), keys.anchor)
    assert conf.instance == "DEMO" and not conf.expired()
    assert "DEMO/GOV/POP/registry/echo" in conf.services and "DEMO/GOV/POP/vital-events" in conf.rooms
    assert len([k for k in conf.sign_keys if k[0] == "DEMO/GOV/SIB"]) == 1
    assert set(conf.tls_owners.values()) == {"DEMO/GOV/POP", "DEMO/GOV/SIB", "DEMO/GOV/TAX"}
    assert conf.gateway_owner("127.0.0.1", 40011) == "DEMO/GOV/POP"
    assert "DEMO/GOV/POP/vital-events/newBirth" in conf.event_schemas


def test_a_changed_byte_breaks_the_signature(keys: Keys) -> None:
    outer = orjson.loads(keys.central.globalconf())
    outer["document"] = outer["document"].replace('"DEMO/GOV/SIB/benefits"', '"DEMO/GOV/TAX/taxation"', 1)
    with pytest.raises(ConfigurationError, match="signature"):
        verify_envelope(orjson.dumps(outer), keys.anchor)


def test_a_configuration_signed_by_someone_else_is_refused(keys: Keys) -> None:
    stranger = Signer(*keys.pki.load_pair(keys.pki.member_dir("POP"), "sign"))
    outer = orjson.loads(keys.central.globalconf())
    from tenfold.exchange.globalconf import sign_document

    with pytest.raises(ConfigurationError, match="signature"):
        verify_envelope(sign_document(outer["document"].encode(), stranger), keys.anchor)
    with pytest.raises(ConfigurationError, match="malformed"):
        verify_envelope(b"{not json", keys.anchor)


def test_another_instance_and_foreign_certificates_are_refused(keys: Keys) -> None:
    with pytest.raises(ConfigurationError, match="instance"):
        verify_envelope(resigned(keys, lambda d: d.update(instance="OTHER")), keys.anchor)
    other_key, other_ca = create_ca("OTHER")
    key = new_key()
    foreign = cert_pem(issue(other_key, other_ca, key.public_key(), "DEMO/GOV/SIB", "DEMO", "sign")).decode()

    def smuggle(document: dict) -> None:  # type: ignore[type-arg]
        sib = next(m for m in document["members"] if m["id"] == "DEMO/GOV/SIB")
        sib["certificates"].append({"serial": "abc", "owner": "DEMO/GOV/SIB", "kind": "sign", "pem": foreign})

    with pytest.raises(ConfigurationError, match="not issued"):
        verify_envelope(resigned(keys, smuggle), keys.anchor)


def test_expiry_follows_the_topology_setting(tmp_path: Path) -> None:
    keys = provisioned(tmp_path, expiry_seconds=600)
    conf = verify_envelope(keys.central.globalconf(), keys.anchor)
    assert timedelta(seconds=599) < conf.expires_at - conf.created_at <= timedelta(seconds=600)
    assert conf.expired(conf.created_at + timedelta(seconds=600)) and not conf.expired(conf.created_at + timedelta(seconds=599))


def test_a_revoked_certificate_is_no_longer_trusted(keys: Keys) -> None:
    before = verify_envelope(keys.central.globalconf(), keys.anchor)
    revoked = keys.central.revoke(Revocation(member="DEMO/GOV/SIB", kind="sign"))
    after = verify_envelope(keys.central.globalconf(), keys.anchor)
    assert [k for k in before.sign_keys if k[0] == "DEMO/GOV/SIB"] and not [k for k in after.sign_keys if k[0] == "DEMO/GOV/SIB"]
    assert set(revoked) <= after.revoked
    assert "DEMO/GOV/SIB" in after.tls_owners.values()


def test_a_failed_refresh_keeps_the_last_good_configuration(keys: Keys, tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "globalconf.json"
    cache.parent.mkdir()
    cache.write_bytes(keys.central.globalconf())
    client = ConfClient(keys.anchor, cache, 60)
    client.load_cached()
    assert client.current is not None

    async def refresh() -> None:
        async with aiohttp.ClientSession() as session:
            await client.refresh(session)  # CENTRAL's URL in this anchor has nothing listening

    asyncio.run(refresh())
    assert client.current is not None and client.last_error
    assert client.current.expires_at > datetime.now(UTC)



class _Broken:
    """A session whose every call fails in a way the download code does not expect."""

    def get(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("an answer nobody planned for")


def test_an_unexpected_failure_does_not_end_the_refreshing(keys: Keys, tmp_path: Path) -> None:
    """If one round raised, the loop would end and the gateway refuse for good after expiry."""
    client = ConfClient(keys.anchor, tmp_path / "globalconf.json", 60)
    asyncio.run(client.refresh(_Broken()))  # type: ignore[arg-type]
    assert client.last_error == "RuntimeError: an answer nobody planned for"


def _pop_certificates(keys: Keys, kind: str) -> list[str]:
    conf = verify_envelope(keys.central.globalconf(), keys.anchor)
    return [c.serial for c in conf.member_certificates["DEMO/GOV/POP"] if c.kind == kind and c.serial not in conf.revoked]


def test_member_keys_can_leave_centrals_host_and_a_removed_certificate_is_issued_anew(tmp_path: Path) -> None:
    from tenfold.exchange.central import provision
    from tenfold.exchange.ports import PortPlan

    keys = provisioned(tmp_path)
    pop = keys.pki.member_dir("POP")
    plan = PortPlan.of(keys.topology, 40000)
    before = {kind: (pop / f"{kind}.pem").read_bytes() for kind in ("sign", "tls")}
    (pop / "sign.key").unlink()
    (pop / "tls.key").unlink()
    provision(keys.pki, keys.central.engine, keys.topology, plan)  # CENTRAL restarts without the member's keys
    assert not (pop / "sign.key").exists() and not (pop / "tls.key").exists()
    assert {kind: (pop / f"{kind}.pem").read_bytes() for kind in ("sign", "tls")} == before
    old = _pop_certificates(keys, "sign")
    assert len(old) == 1

    (pop / "sign.pem").unlink()  # the operator's rotation: a new signing key and certificate...
    provision(keys.pki, keys.central.engine, keys.topology, plan)
    new_serial = Signer(*keys.pki.load_pair(pop, "sign")).serial
    assert set(_pop_certificates(keys, "sign")) == {old[0], new_serial}  # ...valid beside the old one...
    keys.central.revoke(Revocation(member="DEMO/GOV/POP", kind="sign", serial=old[0]))
    assert _pop_certificates(keys, "sign") == [new_serial]  # ...until the old one is revoked
    assert len(_pop_certificates(keys, "tls")) == 1


def test_a_revocation_must_be_json_so_a_web_page_cannot_post_one(keys: Keys) -> None:
    from fastapi.testclient import TestClient

    from tenfold.exchange.central import central_app

    client = TestClient(central_app(keys.central))
    body = '{"member": "DEMO/GOV/POP"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        headers = {"Content-Type": content_type} if content_type else {}
        assert client.post("/api/v1/revocations", content=body, headers=headers).status_code == 415
    assert len(_pop_certificates(keys, "sign")) == 1
    assert client.post("/api/v1/revocations", content=body, headers={"Content-Type": "application/json"}).status_code == 200
    assert _pop_certificates(keys, "sign") == []
