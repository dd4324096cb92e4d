"""DNS, TCP and TLS to a PostgreSQL port, each on its own, so that a failure names its layer
(libpq reports them all as "connection failed")."""

from __future__ import annotations

import socket
import ssl
import struct
from dataclasses import dataclass

# The PostgreSQL SSLRequest: the client asks for TLS before the startup message.
SSL_REQUEST = struct.pack("!ii", 8, 80877103)
TIMEOUT = 5.0


class ProbeError(Exception):
    """What failed, in one sentence."""


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise ProbeError(f"{host} does not resolve ({err.strerror})") from None
    return sorted({str(info[4][0]) for info in infos})


def open_tcp(address: str, port: int) -> socket.socket:
    try:
        return socket.create_connection((address, port), timeout=TIMEOUT)
    except TimeoutError:
        raise ProbeError(f"{address}:{port} does not answer within {TIMEOUT:.0f} s") from None
    except OSError as err:
        raise ProbeError(f"{address}:{port}: {err.strerror or err}") from None


@dataclass(frozen=True)
class TlsInfo:
    version: str
    subject: str
    issuer: str
    expires: str


def tls_handshake(
    address: str, port: int, host: str, sslmode: str, sslrootcert: str | None
) -> TlsInfo | None:
    """TLS as libpq does it (SSLRequest, SNI = `host`, the verification of `sslmode`); None
    when the server does not offer TLS."""
    context = _context(sslmode, sslrootcert)
    with open_tcp(address, port) as raw:
        raw.sendall(SSL_REQUEST)
        answer = raw.recv(1)
        if answer != b"S":
            return None
        try:
            with context.wrap_socket(raw, server_hostname=host) as wrapped:
                cert = wrapped.getpeercert() or {}
                version = wrapped.version() or "TLS"
        except ssl.SSLCertVerificationError as err:
            raise ProbeError(f"certificate refused: {err.verify_message}") from None
        except (ssl.SSLError, OSError) as err:
            raise ProbeError(f"TLS handshake failed: {err}") from None
    return TlsInfo(version, _name(cert.get("subject")), _name(cert.get("issuer")), _expiry(cert))


def _context(sslmode: str, sslrootcert: str | None) -> ssl.SSLContext:
    if sslmode not in ("verify-ca", "verify-full"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        if sslrootcert and sslrootcert != "system":
            context = ssl.create_default_context(cafile=sslrootcert)
        else:
            context = ssl.create_default_context()
    except (OSError, ssl.SSLError) as err:
        raise ProbeError(f"cannot read --sslrootcert {sslrootcert}: {err}") from None
    context.check_hostname = sslmode == "verify-full"
    return context


def _name(parts: object) -> str:
    if not isinstance(parts, tuple):
        return "-"
    pairs = [pair for rdn in parts for pair in rdn]
    common = [value for key, value in pairs if key == "commonName"]
    return common[0] if common else ", ".join(f"{k}={v}" for k, v in pairs) or "-"


def _expiry(cert: dict) -> str:
    value = cert.get("notAfter")
    return str(value) if value else "-"
