"""Tables of the identity provider, in the IDP member's own database.

Nothing here holds a plaintext secret that can be avoided: passwords are scrypt hashes, client
secrets, authorization codes, access tokens and session ids are stored as SHA-256 hashes. The TOTP
secret must be readable to check a code, and the signing keys to sign; both stay in this database.
"""

from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

from tenfold.storage.types import UTCDateTime

metadata = MetaData()
_ID = BigInteger().with_variant(Integer, "sqlite")

# A resident's credentials. status: active | deactivated (e.g. after a registered death).
accounts = Table(
    "identity_accounts", metadata,
    Column("person_id", String(32), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # enrolled | demo
    Column("status", String(16), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime(), nullable=True),
    Column("last_totp_step", BigInteger, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("deactivated_at", UTCDateTime(), nullable=True),
    Column("deactivation_reason", String(100), nullable=True),
)

# Relying parties. auth_method: private_key_jwt (public keys in jwks) | client_secret_basic.
clients = Table(
    "identity_clients", metadata,
    Column("client_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("redirect_uris", JSON, nullable=False),
    Column("auth_method", String(32), nullable=False),
    Column("jwks", JSON, nullable=True),
    Column("secret_hash", String(64), nullable=True),
    Column("claims", JSON, nullable=False),
    Column("acr_values", JSON, nullable=False),
    Column("logo_uri", String(500), nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# The provider's own signing keys. A retired key stays published until published_until, when no
# token it signed can still be valid.
signing_keys = Table(
    "identity_signing_keys", metadata,
    Column("kid", String(100), primary_key=True),
    Column("alg", String(10), nullable=False),
    Column("private_pem", Text, nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("retired_at", UTCDateTime(), nullable=True),
    Column("published_until", UTCDateTime(), nullable=True),
)

# Secrets the provider makes for itself (the pairwise-subject salt, the demo password key...).
secrets = Table(
    "identity_secrets", metadata,
    Column("name", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# One authorization request between /authorize and the redirect back: the validated parameters,
# the browser it is bound to (hash of a cookie), the CSRF token hash, and who signed in.
transactions = Table(
    "identity_transactions", metadata,
    Column("id", String(64), primary_key=True),
    Column("client_id", String(100), nullable=False),
    Column("params", JSON, nullable=False),
    Column("browser_hash", String(64), nullable=False),
    Column("csrf_hash", String(64), nullable=False),
    Column("person_id", String(32), nullable=True),
    Column("session_hash", String(64), nullable=True),
    Column("auth_time", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
)

# A signed-in browser (single sign-on within session_seconds; ended by logout).
sessions = Table(
    "identity_sessions", metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("person_id", String(32), nullable=False),
    Column("auth_time", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
)

# Authorization codes: single use (used_at set atomically), short-lived, bound to the client,
# the redirect URI and the PKCE challenge; claims holds the released claim values.
codes = Table(
    "identity_codes", metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("client_id", String(100), nullable=False),
    Column("person_id", String(32), nullable=False),
    Column("session_hash", String(64), nullable=True),
    Column("redirect_uri", String(500), nullable=False),
    Column("scope", String(500), nullable=False),
    Column("nonce", String(255), nullable=True),
    Column("code_challenge", String(128), nullable=False),
    Column("code_challenge_method", String(10), nullable=False),
    Column("acr", String(100), nullable=True),
    Column("auth_time", UTCDateTime(), nullable=False),
    Column("claims", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
)

tokens = Table(
    "identity_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("client_id", String(100), nullable=False),
    Column("person_id", String(32), nullable=False),
    Column("code_hash", String(64), nullable=True),
    Column("session_hash", String(64), nullable=True),
    Column("scope", String(500), nullable=False),
    Column("claims", JSON, nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_identity_tokens_code", "code_hash"),
    Index("ix_identity_tokens_person", "person_id"),
)

# private_key_jwt assertion ids already used (replay protection), kept until they expire.
assertions = Table(
    "identity_assertions", metadata,
    Column("client_id", String(100), primary_key=True),
    Column("jti", String(255), primary_key=True),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# Events received from rooms (dedupe on the event id) and what the provider did about them.
events = Table(
    "identity_events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
)

actions = Table(
    "identity_actions", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("person_id", String(32), nullable=False),
    Column("action", String(50), nullable=False),
    Column("event_id", String(64), nullable=True),
    Column("event_type", String(100), nullable=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("detail", JSON, nullable=False),
    Index("ix_identity_actions_person", "person_id", "at"),
)
