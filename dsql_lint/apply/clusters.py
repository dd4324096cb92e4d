"""The Aurora DSQL control plane (boto3's `dsql` client): finding, creating and waiting for
clusters, and the endpoint and region of a cluster named by its identifier.

boto3 is imported only inside these functions: the lint path never pays for it."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dsql_lint.apply.errors import ApplyError
from dsql_lint.errors import UserError

# dsql-facts.md, Control plane: the statuses GetCluster reports, and what each means for a
# connection. IDLE clusters wake on the first connection; UPDATING ones keep serving.
CONNECTABLE = frozenset({"ACTIVE", "IDLE", "UPDATING"})
STATUS_MEANING = {
    "ACTIVE": "ready: connections are accepted",
    "IDLE": "idle: the first connection wakes it (it may take a few seconds)",
    "UPDATING": "being updated: connections are still accepted",
    "CREATING": "still being created: wait with `dsql-lint cluster wait ID`",
    "PENDING_SETUP": "waiting for its multi-Region peer: finish the peering first",
    "INACTIVE": "inactive: it accepts no connections until reactivated",
    "DELETING": "being deleted: it accepts no connections",
    "PENDING_DELETE": "being deleted: it accepts no connections",
    "DELETED": "deleted",
    "FAILED": "failed: create another cluster",
}
ARN = re.compile(r"arn:[^:]+:dsql:([^:]+):\d+:cluster/([a-z0-9]+)$")


@dataclass(frozen=True)
class Cluster:
    identifier: str
    region: str
    status: str
    endpoint: str
    arn: str = ""
    created: datetime | None = None
    deletion_protection: bool | None = None
    tags: Mapping[str, str] | None = None

    @property
    def name(self) -> str:
        return (self.tags or {}).get("Name", "")

    @property
    def meaning(self) -> str:
        return STATUS_MEANING.get(self.status, "unknown status").replace("ID", self.identifier)

    def as_json(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "region": self.region,
            "status": self.status,
            "endpoint": self.endpoint,
            "arn": self.arn,
            "created": self.created.isoformat() if self.created else None,
            "deletion_protection": self.deletion_protection,
            "tags": dict(self.tags or {}),
        }


class ControlPlaneError(ApplyError):
    """AWS answered, and said no (exit 1): not found, access denied, throttled..."""


def control_region(region: str | None, profile: str | None, env: Mapping[str, str]) -> str:
    """--region, else AWS_REGION or AWS_DEFAULT_REGION (environment over `.env`), else the
    profile's configured region."""
    found = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if found:
        return found
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        found = boto3.Session(profile_name=profile).region_name
    except BotoCoreError as err:
        raise UserError(f"cannot read the AWS configuration: {err}") from None
    if not found:
        raise UserError("no AWS region: give --region or set AWS_REGION (e.g. in .env)")
    return found


def client(region: str, profile: str | None) -> Any:
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.Session(profile_name=profile, region_name=region).client("dsql")
    except BotoCoreError as err:
        raise UserError(f"cannot set up the AWS client: {err}") from None


def call(what: str, method: Callable[..., Any], **params: Any) -> Any:
    """One control-plane call, its failure said in one line (no traceback)."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
    from botocore.parsers import ResponseParserError

    try:
        return method(**params)
    except NoCredentialsError:
        raise UserError(
            f"cannot {what}: no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID, "
            "or run `aws sso login`)"
        ) from None
    except ClientError as err:
        error = err.response.get("Error", {})
        code = error.get("Code", "error")
        message = error.get("Message") or str(err)
        if code == "ResourceNotFoundException":
            # A cluster name or ARN that names nothing is the user's input, as a missing file is.
            raise UserError(f"cannot {what}: {code}: {message}") from None
        raise ControlPlaneError(f"cannot {what}: {code}: {message}") from None
    except (BotoCoreError, ResponseParserError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ControlPlaneError(f"cannot {what}: {first}") from None


def parse_identifier(value: str) -> tuple[str, str | None]:
    """A cluster identifier, or an ARN (which names its region too)."""
    match = ARN.match(value.strip())
    if match:
        return match.group(2), match.group(1)
    return value.strip(), None


def get(dsql: Any, identifier: str, region: str) -> Cluster:
    answer = call(f"read cluster {identifier}", dsql.get_cluster, identifier=identifier)
    return _cluster(answer, region)


def iter_clusters(dsql: Any, region: str) -> Iterator[Cluster]:
    """Every cluster of the region, with its status and endpoint (ListClusters names only
    identifiers: each is read with GetCluster)."""
    params: dict[str, Any] = {}
    while True:
        page = call("list clusters", dsql.list_clusters, **params)
        for item in page.get("clusters", []):
            yield get(dsql, item["identifier"], region)
        if not page.get("nextToken"):
            return
        params["nextToken"] = page["nextToken"]


def create(dsql: Any, region: str, tags: Mapping[str, str], deletion_protection: bool) -> Cluster:
    answer = call(
        "create a cluster",
        dsql.create_cluster,
        deletionProtectionEnabled=deletion_protection,
        tags=dict(tags),
        # One token per run: botocore's own retries of this call cannot create a second one.
        clientToken=str(uuid.uuid4()),
    )
    return _cluster({**answer, "tags": dict(tags)}, region)


def delete(dsql: Any, identifier: str, region: str, unprotect: bool) -> Cluster:
    """Delete a cluster; `unprotect` turns its deletion protection off first (DeleteCluster
    refuses a protected cluster with a ConflictException)."""
    if unprotect:
        call(
            f"turn off deletion protection of cluster {identifier}",
            dsql.update_cluster,
            identifier=identifier,
            deletionProtectionEnabled=False,
        )
    answer = call(f"delete cluster {identifier}", dsql.delete_cluster, identifier=identifier)
    return _cluster(answer, region)


def wait_active(
    dsql: Any,
    identifier: str,
    region: str,
    timeout: float,
    interval: float,
    progress: Callable[[Cluster, float], None],
) -> Cluster:
    """Poll GetCluster until the cluster accepts connections; `progress` hears each change."""
    started = time.monotonic()
    last = ""
    while True:
        cluster = get(dsql, identifier, region)
        elapsed = time.monotonic() - started
        if cluster.status != last:
            progress(cluster, elapsed)
            last = cluster.status
        if cluster.status in CONNECTABLE:
            return cluster
        if cluster.status in ("FAILED", "DELETING", "DELETED", "PENDING_DELETE"):
            raise ControlPlaneError(f"cluster {identifier} is {cluster.status}: {cluster.meaning}")
        if elapsed >= timeout:
            raise ControlPlaneError(
                f"cluster {identifier} is still {cluster.status} after {elapsed:.0f} s; "
                f"run `dsql-lint cluster wait {identifier}` again"
            )
        time.sleep(interval)


def endpoint_of(
    identifier: str, region: str | None, profile: str | None, env: Mapping[str, str]
) -> Cluster:
    """The cluster `--cluster ID` names, checked to accept connections."""
    identifier, arn_region = parse_identifier(identifier)
    where = arn_region or control_region(region, profile, env)
    cluster = get(client(where, profile), identifier, where)
    if cluster.status not in CONNECTABLE:
        raise ControlPlaneError(f"cluster {identifier} is {cluster.status}: {cluster.meaning}")
    return cluster


def _cluster(answer: Mapping[str, Any], region: str) -> Cluster:
    identifier = answer["identifier"]
    return Cluster(
        identifier=identifier,
        region=region,
        status=answer.get("status", "UNKNOWN"),
        # Older API answers have no endpoint: the documented name (dsql-facts.md, Connecting).
        endpoint=answer.get("endpoint") or f"{identifier}.dsql.{region}.on.aws",
        arn=answer.get("arn", ""),
        created=answer.get("creationTime"),
        deletion_protection=answer.get("deletionProtectionEnabled"),
        tags=answer.get("tags"),
    )
