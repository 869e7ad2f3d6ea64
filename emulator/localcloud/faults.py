"""Faults a test switches on through the emulator's endpoint, each answered exactly as AWS answers it. None by default.

POST   /_localcloud/faults  one fault as JSON -> 200 with the fault as stored (plus "id"); bad JSON -> 400, one line
GET    /_localcloud/faults  -> {"faults": [...]} (a fault with a count shows the count left; at 0 it is gone)
DELETE /_localcloud/faults  -> removes them all, answers {"faults": []}

Kinds (README.md has an example of each):
- launch-failure: the next `count` instances RunInstances launches (of `instance_type`, if given) answer pending,
  then show shutting-down and terminated with StateReason {code, message}, as AWS's "Internal error on launch";
  the reconciler never sees them pending or running, so they never get a container;
- insufficient-capacity: RunInstances / StartInstances of `instance_type` (in `zone`, if given) answer
  InsufficientInstanceCapacity (HTTP 500, as AWS) and change nothing; until cleared, or for the next `count` requests;
- request-limit: the next `count` client requests to EC2 answer RequestLimitExceeded (HTTP 503, as AWS);
- eventual-consistency: resources clients create stay invisible for `seconds` (localcloud/consistency.py).

Requests to /_localcloud/* and /moto-api/* and the reconciler's own (it plays AWS itself) are never faulted.
botocore retries HTTP 500 and 503 (and RequestLimitExceeded) itself, so each retry takes one of a fault's count.

This module imports no moto (the CLI and the test harness use its names); ec2_faults.py applies the faults that need
moto's instances and subnets, and consistency.py the eventual consistency.
"""

import copy
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from .consistency import VISIBILITY
from .counter import RECONCILER_USER_AGENT, WsgiApp, action_of, form_body, service_of

FAULTS_PATH = "/_localcloud/faults"
NOT_FAULTED_PREFIXES = ("/moto-api", "/_localcloud", "/favicon.ico")
CAPACITY_ACTIONS = ("RunInstances", "StartInstances")

REQUIRED = object()
# kind -> field -> (accepted types, default: REQUIRED, None for optional and absent, or the value)
FIELDS: dict[str, dict[str, tuple[tuple[type, ...], Any]]] = {
    "launch-failure": {
        "instance_type": ((str,), None),
        "count": ((int,), 1),
        "code": ((str,), "Server.InternalError"),
        "message": ((str,), "Server.InternalError: Internal error on launch"),
    },
    "insufficient-capacity": {
        "instance_type": ((str,), REQUIRED),
        "zone": ((str,), None),
        "actions": ((list,), list(CAPACITY_ACTIONS)),
        "count": ((int,), None),
    },
    "request-limit": {
        "count": ((int,), REQUIRED),
        "service": ((str,), "ec2"),
    },
    "eventual-consistency": {
        "seconds": ((int, float), REQUIRED),
    },
}

EC2_ERROR_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
    "<RequestID>{request_id}</RequestID></Response>"
)


class FaultError(ValueError):
    """A fault document that cannot be stored; the message is the 400 answer's one line."""


class ServerSideError(Exception):
    """An EC2 error AWS answers with a 5xx status: moto's serializer answers every EC2 error with 400."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def ec2_error_body(code: str, message: str) -> bytes:
    """EC2's error document (the query protocol's), with a request id as AWS gives one."""
    return EC2_ERROR_BODY.format(code=escape(code), message=escape(message), request_id=uuid.uuid4()).encode()


def validated(document: Any) -> dict[str, Any]:
    """The fault with its defaults, or FaultError naming what is wrong."""
    if not isinstance(document, dict):
        raise FaultError("a fault is a JSON object with a \"kind\"")
    kind = document.get("kind")
    if kind not in FIELDS:
        raise FaultError(f"unknown fault kind {kind!r}: use one of {', '.join(FIELDS)}")
    fields = FIELDS[kind]
    unknown = sorted(set(document) - set(fields) - {"kind"})
    if unknown:
        raise FaultError(f"{kind} takes no {', '.join(unknown)}: its fields are {', '.join(fields)}")
    fault: dict[str, Any] = {"kind": kind}
    for name, (types, default) in fields.items():
        value = document.get(name, default)
        if value is REQUIRED:
            raise FaultError(f"{kind} needs \"{name}\"")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            raise FaultError(f"{kind}: \"{name}\" must be of type {' or '.join(t.__name__ for t in types)}, not {value!r}")
        fault[name] = copy.deepcopy(value)
    check_values(fault)
    return fault


def check_values(fault: dict[str, Any]) -> None:
    """The checks beyond types."""
    kind = fault["kind"]
    if fault.get("count", 1) < 1:
        raise FaultError(f"{kind}: \"count\" must be 1 or more (leave it out for insufficient-capacity until cleared)")
    if fault.get("seconds", 1) <= 0:
        raise FaultError(f"{kind}: \"seconds\" must be more than 0")
    if kind == "insufficient-capacity" and (not fault["actions"] or set(fault["actions"]) - set(CAPACITY_ACTIONS)):
        raise FaultError(f"{kind}: \"actions\" must list some of {', '.join(CAPACITY_ACTIONS)}")
    if kind == "request-limit" and fault["service"] != "ec2":
        # Other services throttle with other codes and shapes (Throttling, ThrottlingException), not emulated yet.
        raise FaultError(f"{kind}: only \"service\": \"ec2\" is emulated")


class FaultStore:
    """The faults in force; thread-safe, because moto serves requests in threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.faults: list[dict[str, Any]] = []
        self.next_id = 1

    def add(self, document: Any) -> dict[str, Any]:
        fault = validated(document)
        with self.lock:
            fault["id"] = f"fault-{self.next_id}"
            self.next_id += 1
            self.faults.append(fault)
            return copy.deepcopy(fault)

    def all(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.faults)

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def take(self, kind: str, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        """The first fault of the kind that matches, spending one of its count (it goes when none is left)."""
        with self.lock:
            for fault in self.faults:
                if fault["kind"] == kind and matches(fault):
                    if "count" in fault:
                        fault["count"] -= 1
                        if fault["count"] == 0:
                            self.faults.remove(fault)
                    return copy.deepcopy(fault)
        return None

    def longest(self, kind: str, field: str) -> float:
        """The largest `field` among the faults of the kind, 0 if there is none."""
        with self.lock:
            return max((fault[field] for fault in self.faults if fault["kind"] == kind), default=0)


STORE = FaultStore()


def is_reconciler(user_agent: str) -> bool:
    return RECONCILER_USER_AGENT in user_agent


class FaultInjector:
    """WSGI middleware in front of moto: the faults API, request limits, and the launch lock.

    The launch lock keeps the reconciler's DescribeInstances out while a client's RunInstances is answered, so that
    it never sees an instance that a launch-failure fault makes fail pending or running, and never gives it a body."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.launch_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == FAULTS_PATH:
            return self.answer_api(environ, start_response)
        if path.startswith(NOT_FAULTED_PREFIXES):
            return self.app(environ, start_response)
        action = action_of(environ)
        if is_reconciler(environ.get("HTTP_USER_AGENT", "")):
            if action != "DescribeInstances":
                return self.app(environ, start_response)
            with self.launch_lock:
                return list(self.app(environ, start_response))
        if STORE.take("request-limit", lambda fault: fault["service"] == service_of(environ)):
            body = ec2_error_body("RequestLimitExceeded", "Request limit exceeded.")
            return respond(start_response, "503 Service Unavailable", "text/xml", body)
        seconds = STORE.longest("eventual-consistency", "seconds")
        refusal = seconds and VISIBILITY.refusal(action, parse_qs(form_body(environ)), seconds)
        if refusal:
            return respond(start_response, "400 Bad Request", "text/xml", ec2_error_body(*refusal))
        if action != "RunInstances":
            return self.answer(environ, start_response, action, seconds)
        with self.launch_lock:
            return self.answer(environ, start_response, action, seconds)

    def answer(self, environ: dict[str, Any], start_response: Callable[..., Any], action: str, seconds: float) -> Iterable[bytes]:
        """moto's answer; while an eventual-consistency fault is in force, noting what it creates and hiding what is new."""
        if not seconds:
            return list(self.app(environ, start_response))
        answered: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            answered.update(status=status, headers=headers, exc_info=exc_info)

        body = b"".join(self.app(environ, keep))
        if answered["status"].startswith("200"):
            VISIBILITY.note_created(action, body)
            body = VISIBILITY.filtered(action, body, seconds)
        headers = [(name, value) for name, value in answered["headers"] if name.lower() != "content-length"]
        start_response(answered["status"], headers + [("Content-Length", str(len(body)))], answered["exc_info"])
        return [body]

    def answer_api(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "GET":
            return respond_json(start_response, "200 OK", {"faults": STORE.all()})
        if method == "DELETE":
            STORE.clear()
            return respond_json(start_response, "200 OK", {"faults": []})
        if method != "POST":
            return respond_json(start_response, "405 Method Not Allowed", {"error": f"{method} {FAULTS_PATH}: use GET, POST or DELETE"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            document = json.loads(environ["wsgi.input"].read(length) or b"null")
            return respond_json(start_response, "200 OK", STORE.add(document))
        except ValueError as error:
            # json's and validated()'s errors alike; FaultError is a ValueError
            message = str(error) if isinstance(error, FaultError) else f"the body is not JSON: {error}"
            return respond_json(start_response, "400 Bad Request", {"error": message})


def respond(start_response: Callable[..., Any], status: str, content_type: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def respond_json(start_response: Callable[..., Any], status: str, document: dict[str, Any]) -> list[bytes]:
    return respond(start_response, status, "application/json", json.dumps(document, sort_keys=True).encode())
