"""The aiohttp application: health, the ``/_control`` API and every system's endpoints.

Control endpoints are plain handlers (no faults, no latency) so tests can always
steer the simulators, however hostile the configured faults are.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from aiohttp import web

from simulators.config import SettingsError
from simulators.core import Handler, System, error_response, json_response

logger = logging.getLogger("simulators")

SYSTEMS_KEY = web.AppKey("systems", dict[str, System])


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Keep every answer JSON, including aiohttp's own 404/405 and unexpected crashes."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        response = error_response(exc.reason.lower(), status=exc.status)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response("internal simulator error", status=500)


def _system(request: web.Request) -> System:
    name = request.match_info["system"]
    systems = request.app[SYSTEMS_KEY]
    if name not in systems:
        raise web.HTTPNotFound(
            text=json.dumps({"error": f"unknown system {name!r}", "systems": list(systems)}),
            content_type="application/json",
        )
    return systems[name]


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok", "systems": list(request.app[SYSTEMS_KEY])})


async def all_configs(request: web.Request) -> web.Response:
    systems = request.app[SYSTEMS_KEY]
    return json_response({name: system.config.to_json() for name, system in systems.items()})


async def reset_all(request: web.Request) -> web.Response:
    systems = request.app[SYSTEMS_KEY]
    for system in systems.values():
        system.reset()
    return json_response({"reset": list(systems)})


async def get_config(request: web.Request) -> web.Response:
    return json_response(_system(request).config.to_json())


async def patch_config(request: web.Request) -> web.Response:
    system = _system(request)
    try:
        changes = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        changes = None
    if not isinstance(changes, dict):
        return error_response("the body must be a JSON object", fields={})
    try:
        config = system.configure(changes)
    except SettingsError as error:
        return error_response(
            f"invalid settings for {system.name}: {error.summary()}", fields=error.fields
        )
    return json_response(config.to_json())


async def reset_system(request: web.Request) -> web.Response:
    system = _system(request)
    system.reset()
    return json_response({"reset": [system.name], "config": system.config.to_json()})


async def system_stats(request: web.Request) -> web.Response:
    return json_response(_system(request).stats_json())


async def release_held_requests(app: web.Application) -> None:
    for system in app[SYSTEMS_KEY].values():
        system.release_held_requests()


def build_app(systems: Iterable[System]) -> web.Application:
    """Assemble the service for already-configured system instances."""
    by_name = {system.name: system for system in systems}
    app = web.Application(middlewares=[json_errors])
    app[SYSTEMS_KEY] = by_name
    app.on_shutdown.append(release_held_requests)
    app.router.add_get("/_health", health)
    app.router.add_get("/_control", all_configs)
    app.router.add_post("/_control/reset", reset_all)
    # System-specific control routes go before the generic /_control/{system} ones.
    for system in by_name.values():
        app.router.add_routes(system.control_routes())
    app.router.add_get("/_control/{system}", get_config)
    app.router.add_patch("/_control/{system}", patch_config)
    app.router.add_post("/_control/{system}/reset", reset_system)
    app.router.add_get("/_control/{system}/stats", system_stats)
    for system in by_name.values():
        for endpoint in system.endpoints():
            app.router.add_route(endpoint.method, endpoint.path, system.with_faults(endpoint))
    return app
