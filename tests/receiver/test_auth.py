"""API keys and their orgs."""

from __future__ import annotations

import pytest

from gravity.errors import ConfigError
from gravity.receiver.auth import ApiKeys, Unauthenticated, key_from_headers


def test_keys_from_json_and_lines():
    from_json = ApiKeys.parse('{"k1": "acme", "k2": "globex"}', "keys.json")
    from_lines = ApiKeys.parse("# tenants\nk1=acme\n\n k2 = globex \n", "keys.txt")
    from_env = ApiKeys.parse("k1=acme,k2=globex", "GRAVITY_API_KEYS")
    for keys in (from_json, from_lines, from_env):
        assert len(keys) == 2
        assert keys.org_for("k1") == "acme"
        assert keys.org_for("k2") == "globex"


def test_keys_from_file(tmp_path):
    path = tmp_path / "keys"
    path.write_text("secret=acme\n")
    assert ApiKeys.from_file(path).org_for("secret") == "acme"
    with pytest.raises(ConfigError, match="cannot read the API keys file"):
        ApiKeys.from_file(tmp_path / "missing")


def test_unknown_or_missing_key_rejected():
    keys = ApiKeys({"secret": "acme"})
    with pytest.raises(Unauthenticated, match="missing API key"):
        keys.org_for(None)
    with pytest.raises(Unauthenticated, match="invalid API key"):
        keys.org_for("secre")


def test_no_keys_means_open_receiver():
    keys = ApiKeys()
    assert not keys.enabled
    assert keys.org_for(None) is None
    assert keys.org_for("anything") is None


@pytest.mark.parametrize(
    "text, problem",
    [
        ("secret", "expected KEY=ORG"),
        ("secret=../etc", "invalid org '../etc'"),
        ("secret=dt=2025", "invalid org 'dt=2025'"),
        ("=acme", "an API key is empty"),
        ('{"secret": 3}', "every value must be an org name string"),
        ('{"secret": ', "invalid JSON"),
    ],
)
def test_invalid_key_configuration(text, problem):
    with pytest.raises(ConfigError, match=problem):
        ApiKeys.parse(text, "keys")


def test_secret_not_in_error_messages():
    with pytest.raises(ConfigError) as caught:
        ApiKeys.parse("sk-live-123456", "keys")
    assert "sk-live-123456" not in str(caught.value)


@pytest.mark.parametrize(
    "headers, key",
    [
        ({"authorization": "Bearer abc"}, "abc"),
        ({"authorization": "bearer  abc "}, "abc"),
        ({"x-gravity-api-key": "xyz"}, "xyz"),
        ({"x-gravity-api-key": "xyz", "authorization": "Bearer abc"}, "xyz"),
        ({"authorization": "Basic dXNlcjpwYXNz"}, None),
        ({}, None),
    ],
)
def test_key_from_headers(headers, key):
    assert key_from_headers(headers) == key
