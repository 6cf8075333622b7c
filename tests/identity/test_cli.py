"""`tenfold identity` for operators: register a relying party, enrol a resident, rotate keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tenfold.cli import identity as identity_cli
from tenfold.identity.client import new_client_key
from tests.identity.idp import new_person_id

runner = CliRunner()


def test_register_client_prints_the_client_id_the_secret_and_the_issuer(var_dir: Path) -> None:
    env = {**os.environ, "TENFOLD_VAR_DIR": str(var_dir)}
    done = subprocess.run([sys.executable, "-m", "tenfold.cli", "identity", "register-client", "--name", "Library",
                           "--redirect-uri", "https://library.example/cb", "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["client_secret"] and answer["token_endpoint_auth_method"] == "client_secret_basic"
    assert answer["issuer"].startswith("http://127.0.0.1:") and answer["client_id"].startswith("rp-")


def test_register_client_with_keys_uses_private_key_jwt_and_bad_input_is_one_line(var_dir: Path) -> None:
    _private, public = new_client_key()
    keys = var_dir / "keys.json"
    keys.write_text(json.dumps({"keys": [public]}))
    made = runner.invoke(identity_cli.app, ["register-client", "--name", "Bank", "--redirect-uri", "https://bank.example/cb",
                                            "--jwks", str(keys), "--json"])
    assert made.exit_code == 0, made.output
    answer = json.loads(made.output)
    assert "client_secret" not in answer and answer["token_endpoint_auth_method"] == "private_key_jwt"
    refused = runner.invoke(identity_cli.app, ["register-client", "--name", "Bad", "--redirect-uri", "http://example.com/cb"])
    assert refused.exit_code != 0


def test_enrol_prints_credentials_once_and_keys_rotate(var_dir: Path) -> None:
    person = new_person_id()
    enrolled = runner.invoke(identity_cli.app, ["enrol", "--person", person, "--skip-check", "--json"])
    assert enrolled.exit_code == 0, enrolled.output
    credentials = json.loads(enrolled.output)
    assert credentials["personId"] == person and len(credentials["totpSecret"]) >= 16 and credentials["totpUri"].startswith("otpauth://")
    account = identity_cli.provider().accounts.get(person)
    assert credentials["password"] not in json.dumps({k: str(v) for k, v in account.items()})  # only a hash is kept
    first = json.loads(runner.invoke(identity_cli.app, ["rotate-keys", "--json"]).output)
    second = json.loads(runner.invoke(identity_cli.app, ["rotate-keys", "--json"]).output)
    assert second["signingKey"] != first["signingKey"] and first["signingKey"] in second["published"]
