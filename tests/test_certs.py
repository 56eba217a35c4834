"""Certificate checks with cryptography, and the bundle's stable order."""

from __future__ import annotations

import datetime as dt

from conftest import MINIMAL, make_certificate

from factory.profiles.certificates import bundle, check_certificate_file


def test_a_valid_ca_passes():
    result = check_certificate_file("root", make_certificate())
    assert result.errors == [] and result.warnings == []
    assert len(result.certificates) == 1


def test_not_a_ca_expired_and_not_yet_valid_are_errors():
    assert "not a CA" in check_certificate_file("x", make_certificate(ca=False)).errors[0]
    expired = make_certificate(days_valid=-1, not_before_days=-30)
    assert "expired on" in check_certificate_file("x", expired).errors[0]
    future = make_certificate(not_before_days=10, days_valid=100)
    assert "not valid before" in check_certificate_file("x", future).errors[0]


def test_expiry_within_90_days_and_weak_keys_warn():
    soon = check_certificate_file("x", make_certificate(days_valid=30))
    assert soon.errors == [] and "within 90 days" in soon.warnings[0]
    weak = check_certificate_file("x", make_certificate(rsa_bits=1024))
    assert any("1024 bits" in w for w in weak.warnings)


def test_garbage_is_an_error():
    assert "no PEM certificate" in check_certificate_file("x", b"hello").errors[0]
    broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert check_certificate_file("x", broken).errors


def test_bundle_keeps_order_and_drops_duplicates():
    a, b = make_certificate(common_name="A"), make_certificate(common_name="B")
    certs = (
        check_certificate_file("one", a + b).certificates
        + check_certificate_file("two", a).certificates
    )
    data, duplicates = bundle(certs)
    assert data.count(b"BEGIN CERTIFICATE") == 2
    assert data.index(b"CN=A") < data.index(b"CN=B")
    assert len(duplicates) == 1 and "bundled once" in duplicates[0]
    assert bundle(certs)[0] == data


def test_check_uses_the_given_clock():
    pem = make_certificate(days_valid=200)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=150)
    assert check_certificate_file("x", pem, now=later).warnings


def test_a_certificate_given_twice_warns_where_the_second_is_named(
    cli, write, tmp_path, monkeypatch
):
    """README: duplicates are a warning. The bundle holds the certificate once."""
    monkeypatch.chdir(tmp_path)
    root = make_certificate(common_name="Corp Root")
    (tmp_path / "root.pem").write_bytes(root)
    (tmp_path / "chain.pem").write_bytes(make_certificate(common_name="Corp Issuing") + root)
    write(
        "p.yaml",
        MINIMAL.lstrip("\n") + "ca_certs:\n  a-root: root.pem\n  b-chain: chain.pem\n",
    )

    result = cli("validate", "p.yaml")

    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        "p.yaml:13:12: ca_certs.b-chain: warning: CN=Corp Root is also in ca_certs.a-root; "
        "it is bundled once, so one copy can go"
    ]
    (tmp_path / "root.pem").write_bytes(root + root)
    twice = cli("validate", "p.yaml").err.splitlines()
    assert (
        "p.yaml:12:11: ca_certs.a-root: warning: CN=Corp Root is twice in this file; it is "
        "bundled once, so one copy can go" in twice
    )
    assert cli("validate", "--strict", "p.yaml").code == 1  # a warning fails --strict
