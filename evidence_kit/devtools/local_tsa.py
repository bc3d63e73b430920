"""A real RFC 3161 time-stamping authority on 127.0.0.1, backed by ``openssl ts -reply``.

For tests and for the README demo: nothing is mocked. :func:`make_tsa_pki` makes a CA and a TSA
certificate (``extendedKeyUsage = critical, timeStamping``, RFC 3161 section 2.3) with the OpenSSL
command line in a folder; :func:`start_local_tsa` serves ``application/timestamp-query`` over HTTP
(RFC 3161 section 3.4) on 127.0.0.1, a free port, answering each query by running ``openssl ts -reply``.

    tsa = start_local_tsa(Path("/tmp/tsa"))
    ...  # settings: {"tsas": [{"url": tsa.url, "roots": [tsa.ca_pem], "certificates": [tsa.tsa_pem]}]}
    tsa.stop()

From a shell (the README demo): ``python -m evidence_kit.devtools.local_tsa FOLDER --write-settings
config.json`` serves until interrupted, prints the settings entry as one JSON line, and names the TSA in
the settings file so ``add``, ``capture`` and ``timestamp`` use it.

The TSA configuration leaves out ``certs =``: with the CA chain in the reply OpenSSL writes a certificate
set that ``rfc3161-client`` 1.0.9 refuses to parse (``InvalidSetOrdering``); the reply still carries the
TSA's own certificate when the request asks for it (``certReq``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEFAULT_POLICY = "1.3.6.1.4.1.99999.3161.1"

_CA_EXT = """[ca_ext]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""

_TSA_EXT = """[tsa_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""

_TSA_CONFIG = """# OpenSSL TSA configuration (openssl ts -reply); see openssl-ts(1).
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {folder}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = {policy}
other_policies = 1.3.6.1.4.1.99999.3161.2
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:0, microsecs:0
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class LocalTsaError(RuntimeError):
    """OpenSSL failed while making the TSA's certificates (a broken machine, not a user error)."""


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise LocalTsaError(f"openssl {args[0]} failed: {result.stderr.strip()}")


@dataclass(frozen=True)
class TsaPki:
    folder: Path
    ca_pem: Path  # the root a verifier trusts (-CAfile)
    tsa_pem: Path  # the TSA's signing certificate (-untrusted)
    config: Path  # openssl ts -reply -config
    policy: str


def make_tsa_pki(
    folder: Path, name: str = "evidence-kit local test TSA", policy: str = DEFAULT_POLICY, days: int = 3650
) -> TsaPki:
    """Make (or reuse) a CA and a TSA certificate signed by it in ``folder``."""
    if shutil.which("openssl") is None:
        raise LocalTsaError("the openssl command is not installed")
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    ca_pem, tsa_pem, config = folder / "ca.pem", folder / "tsa.pem", folder / "tsa.cnf"
    if not (ca_pem.is_file() and tsa_pem.is_file() and config.is_file()):
        (folder / "ext.cnf").write_text(_CA_EXT + _TSA_EXT, "utf-8")
        # P-256 keys: made in milliseconds, and OpenSSL, rfc3161-client and cryptography all verify them.
        _openssl(
            "req",
            "-x509",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            str(days),
            "-subj",
            f"/O=evidence-kit/CN={name} CA",
            "-config",
            "ext.cnf",
            "-extensions",
            "ca_ext",
            cwd=folder,
        )
        _openssl(
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            f"/O=evidence-kit/CN={name}",
            cwd=folder,
        )
        _openssl(
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "tsa.pem",
            "-days",
            str(days - 1),
            "-extfile",
            "ext.cnf",
            "-extensions",
            "tsa_ext",
            cwd=folder,
        )
        (folder / "serial").write_text("01\n", "ascii")
        config.write_text(_TSA_CONFIG.format(folder=folder, policy=policy), "utf-8")
    return TsaPki(folder, ca_pem, tsa_pem, config, policy)


def reply(pki: TsaPki, query: bytes) -> bytes:
    """Answer one DER TimeStampReq with a DER TimeStampResp made by ``openssl ts -reply``."""
    with tempfile.TemporaryDirectory(dir=pki.folder, prefix="req-") as work:
        query_path, reply_path = Path(work) / "q.tsq", Path(work) / "r.tsr"
        query_path.write_bytes(query)
        result = subprocess.run(
            [
                "openssl",
                "ts",
                "-reply",
                "-config",
                str(pki.config),
                "-queryfile",
                str(query_path),
                "-out",
                str(reply_path),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not reply_path.is_file():
            raise LocalTsaError(f"openssl ts -reply failed: {result.stderr.strip()}")
        return reply_path.read_bytes()


@dataclass
class LocalTsa:
    """A running local TSA. ``stop()`` shuts it down; afterwards its URL refuses connections."""

    url: str
    ca_pem: Path
    tsa_pem: Path
    folder: Path
    policy: str
    _server: ThreadingHTTPServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    requests: int = 0

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def settings_entry(self) -> dict[str, object]:
        """This TSA as an entry of the settings file's ``tsas`` list."""
        return {"url": self.url, "roots": [str(self.ca_pem)], "certificates": [str(self.tsa_pem)]}

    def __enter__(self) -> LocalTsa:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_local_tsa(folder: Path, name: str = "evidence-kit local test TSA", policy: str = DEFAULT_POLICY) -> LocalTsa:
    """Make the TSA's certificates in ``folder`` (if not there yet) and serve it on 127.0.0.1, a free port."""
    pki = make_tsa_pki(folder, name, policy)
    # openssl ts -reply increments the serial file: one reply at a time.
    lock = threading.Lock()
    holder: list[LocalTsa] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/timestamp-query":
                self.send_error(415, "expected application/timestamp-query")
                return
            try:
                with lock:
                    answer = reply(pki, body)
                    if holder:
                        holder[0].requests += 1
            except LocalTsaError as exc:
                self.send_error(500, str(exc)[:200])
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # quiet: tests and demos read stdout
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="local-tsa", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    tsa = LocalTsa(f"http://{host!s}:{port}/tsa", pki.ca_pem, pki.tsa_pem, pki.folder, policy, server, thread)
    holder.append(tsa)
    return tsa


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evidence_kit.devtools.local_tsa",
        description="Serve a local RFC 3161 TSA (OpenSSL) on 127.0.0.1 for demos.",
    )
    parser.add_argument("folder", type=Path, help="where the CA, TSA certificate and keys are made (or reused)")
    parser.add_argument(
        "--write-settings",
        type=Path,
        metavar="CONFIG_JSON",
        help="name this TSA in the 'tsas' of this evidence-kit settings file (kept otherwise)",
    )
    args = parser.parse_args(argv)
    tsa = start_local_tsa(args.folder)
    try:
        if args.write_settings:
            path: Path = args.write_settings
            data = json.loads(path.read_text("utf-8")) if path.is_file() else {}
            data["tsas"] = [tsa.settings_entry()]
            path.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
        print(json.dumps(tsa.settings_entry()), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        tsa.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
