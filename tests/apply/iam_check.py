"""Aurora DSQL's check of an IAM token, done offline for the tests: the SigV4 query signature
recomputed with the secret key of the test's credentials, and the token's lifetime judged at a
clock the test controls. Written from the SigV4 specification, not with botocore, so that it
checks botocore's signer instead of repeating it."""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta

SIGV4_DATE = "%Y%m%dT%H%M%SZ"
# A SigV4 request dated this far in the future is refused too (the clock check of doctor).
MAX_SKEW = timedelta(minutes=5)


@dataclass
class Clock:
    """The test's time, for the signer (botocore's clock) and the checker alike; UTC, naive as
    botocore keeps it."""

    now: datetime

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def seconds(self) -> float:
        """The same time as a monotonic reading, for apply's connection-age clock."""
        return (self.now - datetime(2026, 1, 1)).total_seconds()


def token_problem(
    token: str, *, secret: str, host: str, region: str, user: str, now: datetime
) -> str | None:
    """Why DSQL would refuse `token` as the password of `user` at `now`; None if it would not."""
    url = urllib.parse.urlsplit("https://" + token)
    params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
    action = "DbConnectAdmin" if user == "admin" else "DbConnect"
    if url.hostname != host or params.get("Action") != action:
        return f"not a token for {action} on {host}"
    signature = params.pop("X-Amz-Signature", "")
    date = params.get("X-Amz-Date", "")
    _key, day, scope_region, service, _end = params.get("X-Amz-Credential", "////").split("/")
    if (scope_region, service) != (region, "dsql"):
        return f"signed for {service} in {scope_region}"
    canonical = "\n".join(
        [
            "GET",
            "/",
            "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(params.items())),
            f"host:{host}\n",
            params.get("X-Amz-SignedHeaders", ""),
            hashlib.sha256(b"").hexdigest(),
        ]
    )
    scope = f"{day}/{region}/dsql/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (day, region, "dsql", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "the signature does not match"
    signed = datetime.strptime(date, SIGV4_DATE)
    if signed - now > MAX_SKEW:
        return f"the IAM token is dated {signed:%H:%M:%S}, in the future"
    expires = signed + timedelta(seconds=int(params.get("X-Amz-Expires", "0")))
    if now > expires:
        return f"the IAM token expired at {expires:%H:%M:%S}"
    return None


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")
