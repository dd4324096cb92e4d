"""IAM authentication tokens: the password of an Aurora DSQL connection.

A token is a secret for its lifetime: it is passed to libpq as a keyword, never put in a
DSN, an environment variable, a log line or the ledger.
"""

from __future__ import annotations

from typing import Any

from dsql_lint.errors import UserError

# dsql-facts.md, Connecting: default lifetime 900 s; the token is checked only at connect
# time, so a short lifetime costs nothing to an open connection.
TOKEN_LIFETIME = 900
ADMIN = "admin"


class TokenSource:
    """Signs a fresh token for every new connection (signing is local and works offline)."""

    def __init__(self, host: str, region: str, user: str, profile: str | None = None) -> None:
        self.host = host
        self.region = region
        self.user = user
        self.profile = profile
        self._client: Any = None

    def _dsql_client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.exceptions import BotoCoreError

            try:
                session = boto3.Session(profile_name=self.profile, region_name=self.region)
                self._client = session.client("dsql", region_name=self.region)
            except BotoCoreError as err:
                raise UserError(f"cannot set up AWS credentials: {err}") from None
        return self._client

    def __call__(self) -> str:
        return generate_token(self._dsql_client(), self.host, self.region, self.user)


def generate_token(
    client: Any, host: str, region: str, user: str, expires_in: int = TOKEN_LIFETIME
) -> str:
    """`DbConnectAdmin` for role admin, `DbConnect` for others (dsql-facts.md, Connecting)."""
    from botocore.exceptions import BotoCoreError

    sign = (
        client.generate_db_connect_admin_auth_token
        if user == ADMIN
        else client.generate_db_connect_auth_token
    )
    try:
        return sign(Hostname=host, Region=region, ExpiresIn=expires_in)
    except BotoCoreError as err:
        raise UserError(
            f"cannot sign an IAM token for {host}: {err} "
            "(set AWS credentials: environment, --profile or `aws sso login`)"
        ) from None
