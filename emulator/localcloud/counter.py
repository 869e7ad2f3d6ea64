"""WSGI middleware that counts AWS requests by service and action, for benchmarks of API call counts,
and notes the regions instances were launched in, for the reconciler.

GET  /_localcloud/requests        -> {"clients": {service: {action: n}}, "reconciler": {...}, "total": n}
POST /_localcloud/requests/reset  -> the same document, then every count is zero again
GET  /_localcloud/launch-regions  -> {"regions": [regions with a RunInstances request, sorted]}
"""

import io
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

COUNTS_PATH = "/_localcloud/requests"
RESET_PATH = "/_localcloud/requests/reset"
LAUNCH_REGIONS_PATH = "/_localcloud/launch-regions"
# The reconciler tags its own polling with this, so benchmarks can tell it from the calls they measure.
RECONCILER_USER_AGENT = "ec2mpi-localcloud-reconciler"
NOT_COUNTED_PREFIXES = ("/moto-api", "/_localcloud", "/favicon.ico")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class RequestCounter:
    """Wraps moto's WSGI app; thread-safe because the server handles requests in threads."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.counts: dict[str, Counter] = {"clients": Counter(), "reconciler": Counter()}
        # Only regions that ever had a launch can hold instances: the reconciler polls those, not all thirty.
        self.launch_regions: set[str] = set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == COUNTS_PATH and method == "GET":
            return self.respond(start_response, self.snapshot(reset=False))
        if path == RESET_PATH and method == "POST":
            return self.respond(start_response, self.snapshot(reset=True))
        if path == LAUNCH_REGIONS_PATH and method == "GET":
            with self.lock:
                return self.respond(start_response, {"regions": sorted(self.launch_regions)})
        if not path.startswith(NOT_COUNTED_PREFIXES):
            self.count(environ)
        return self.app(environ, start_response)

    def count(self, environ: dict[str, Any]) -> None:
        """Add one request to its caller's tally under (service, action)."""
        caller = "reconciler" if RECONCILER_USER_AGENT in environ.get("HTTP_USER_AGENT", "") else "clients"
        key = (service_of(environ), action_of(environ))
        with self.lock:
            self.counts[caller][key] += 1
            if key == ("ec2", "RunInstances"):
                self.launch_regions.add(credential_scope(environ)[2])

    def snapshot(self, reset: bool) -> dict[str, Any]:
        """The counts as nested dicts (optionally zeroing them in the same locked step, so no call is lost)."""
        with self.lock:
            document: dict[str, Any] = {caller: nest(counter) for caller, counter in self.counts.items()}
            document["total"] = sum(self.counts["clients"].values())
            if reset:
                for counter in self.counts.values():
                    counter.clear()
        return document

    @staticmethod
    def respond(start_response: Callable[..., Any], document: dict[str, Any]) -> list[bytes]:
        """Send a JSON document."""
        body = json.dumps(document, sort_keys=True).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def nest(counter: Counter) -> dict[str, dict[str, int]]:
    """{(service, action): n} -> {service: {action: n}}."""
    nested: dict[str, dict[str, int]] = {}
    for (service, action), number in counter.items():
        nested.setdefault(service, {})[action] = number
    return nested


def credential_scope(environ: dict[str, Any]) -> list[str]:
    """[key, date, region, service, "aws4_request"] of a SigV4 request, or five "unsigned" for an unsigned one."""
    credential = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].split(",", 1)[0]
    parts = credential.split("/")
    return parts if len(parts) == 5 else ["unsigned"] * 5


def service_of(environ: dict[str, Any]) -> str:
    """The signing service of a SigV4 request."""
    return credential_scope(environ)[3]


def action_of(environ: dict[str, Any]) -> str:
    """Action of a query API (EC2, IAM, STS), X-Amz-Target of a JSON API, else the HTTP method (REST APIs)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rpartition(".")[2]
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action") or parse_qs(form_body(environ)).get("Action")
    return action[0] if action else environ.get("REQUEST_METHOD", "GET")


def form_body(environ: dict[str, Any]) -> str:
    """Read a form-encoded body and put it back, because moto reads it again after us."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return ""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body.decode("utf-8", errors="replace")
