"""moto server in this process, behind the request counter, on 127.0.0.1 only, with what moto lacks of AWS.

Import this module only after config.AMIS_FILE is in MOTO_AMIS_PATH (cli.serve_command does it): moto
reads its image catalog once, when it is imported.
"""

import logging
import os

from flask import Flask, Response
from moto.ec2.models import elastic_network_interfaces
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from . import created_images, ec2_faults, faults, image_owners, placement_groups, service_quotas
from .config import AMIS_FILE, HOST, Settings
from .counter import RequestCounter
from .public_network import addresses


# EC2's error document, so that clients see an API error with a code, not an HTML page.
NOT_IMPLEMENTED_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<Response><Errors><Error><Code>NotImplemented</Code><Message>{message}</Message></Error></Errors>"
    "<RequestID>localcloud</RequestID></Response>"
)


def answer_not_implemented(error: NotImplementedError) -> Response:
    """moto's missing actions become a 501 NotImplemented API error naming the action.

    Flask would otherwise answer an HTML 500, which clients retry as a server fault for minutes before
    failing with a message that does not say what is missing. AWS never answers this: a client that
    gets it has met a gap of the emulator, to be filled here.
    """
    return Response(NOT_IMPLEMENTED_BODY.format(message=error), status=501, content_type="text/xml")


def answer_server_side_error(error: faults.ServerSideError) -> Response:
    """An EC2 error with the 5xx status AWS gives it (moto's serializer would answer 400, which clients do not retry)."""
    return Response(faults.ec2_error_body(error.code, error.message), status=error.status, content_type="text/xml")


def create_app(service: str) -> Flask:
    """moto's per-service app, with unimplemented actions answered as API errors."""
    app = create_backend_app(service)
    app.register_error_handler(NotImplementedError, answer_not_implemented)
    app.register_error_handler(faults.ServerSideError, answer_server_side_error)
    return app


def add_what_moto_lacks(settings: Settings) -> None:
    """Placement groups, EC2's vCPU quotas, the catalog's owner aliases, switchable faults, images pending until their
    container is committed (unless API-only), and public IPs from the emulator's public block instead of AWS's own."""
    placement_groups.install()
    created_images.install(pending=not settings.api_only)
    ec2_faults.install()
    image_owners.install(AMIS_FILE)
    service_quotas.install(dict(settings.vcpu_quotas))
    public_ips = addresses(settings.public_cidr)
    # moto looks this function up at every launch and start of an instance in a subnet that maps public IPs.
    elastic_network_interfaces.random_public_ip = lambda: next(public_ips)


def serve(settings: Settings) -> None:
    """Answer AWS API calls until killed; the state lives in memory and dies with the process."""
    add_what_moto_lacks(settings)
    # One log line per request would grow the log by megabytes in a benchmark; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # URLs moto puts in responses (SQS queue URLs, for one) must name this port, as `moto_server` arranges too.
    os.environ["MOTO_PORT"] = str(settings.port)
    app = created_images.ImageStates(RequestCounter(faults.FaultInjector(DomainDispatcherApplication(create_app))))
    server = make_server(HOST, settings.port, app, threaded=True, request_handler=MotoRequestHandler)
    logging.getLogger(__name__).info("moto server answering on %s", settings.endpoint_url)
    server.serve_forever()
