"""create_app(world, config=…): the emulator as one ASGI application."""

from __future__ import annotations

from litestar import Litestar, Response
from litestar.exceptions import MethodNotAllowedException, NotFoundException

from belegsync.emulator.api.common import AnyRequest, error_response
from belegsync.emulator.api.contacts import CONTACT_HANDLERS
from belegsync.emulator.api.files import get_file, upload_file
from belegsync.emulator.api.payments import get_payments
from belegsync.emulator.api.profile import get_profile
from belegsync.emulator.api.sales import SALES_HANDLERS
from belegsync.emulator.api.subscriptions import SUBSCRIPTION_HANDLERS
from belegsync.emulator.api.voucherlist import get_voucherlist
from belegsync.emulator.api.vouchers import VOUCHER_HANDLERS
from belegsync.emulator.config import EmulatorConfig
from belegsync.emulator.control import control_router
from belegsync.emulator.counters import Counters
from belegsync.emulator.documents import DocumentStore
from belegsync.emulator.fastpath import read_endpoints
from belegsync.emulator.faults import FaultPlan
from belegsync.emulator.gateway import Gateway, Receive, Scope, Send
from belegsync.emulator.ratelimit import ArrivalJitter, RateLimiter
from belegsync.emulator.routes import RouteTable
from belegsync.emulator.runtime import Runtime
from belegsync.emulator.state import World
from belegsync.emulator.webhooks import WebhookDispatcher


def _not_found(request: AnyRequest, exc: Exception) -> Response[bytes]:
    return error_response(request, 404, "Resource not found")


def _not_allowed(request: AnyRequest, exc: Exception) -> Response[bytes]:
    return error_response(request, 405, "Method not allowed")


class EmulatorApp:
    """ASGI app: the gateway (auth, throttling, faults) in front of the Litestar routes."""

    def __init__(self, runtime: Runtime, *, fast_reads: bool = True) -> None:
        self.runtime = runtime
        self.litestar = Litestar(
            # The emulator is a guest in the tests' and benchmarks' processes: no logging set-up.
            logging_config=None,
            route_handlers=[
                get_profile,
                get_voucherlist,
                *CONTACT_HANDLERS,
                get_payments,
                get_file,
                upload_file,
                *VOUCHER_HANDLERS,
                *SALES_HANDLERS,
                *SUBSCRIPTION_HANDLERS,
                control_router,
            ],
            exception_handlers={
                NotFoundException: _not_found,
                MethodNotAllowedException: _not_allowed,
            },
            state=None,
            openapi_config=None,
            request_max_body_size=12_000_000,
        )
        self.litestar.state["runtime"] = runtime
        self._gateway = Gateway(
            self.litestar,  # type: ignore[arg-type]
            world=runtime.world,
            config=runtime.config,
            limiter=runtime.limiter,
            faults=runtime.faults,
            counters=runtime.counters,
            jitter=runtime.jitter,
            fast_path=read_endpoints(runtime) if fast_reads else None,
            routes=RouteTable(
                (route.path, getattr(route, "methods", ()))
                for route in self.litestar.routes
                if route.path.startswith("/v1")
            ),
        )

    @property
    def world(self) -> World:
        return self.runtime.world

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._gateway(scope, receive, send)


def create_app(
    world: World, *, config: EmulatorConfig | None = None, fast_reads: bool = True
) -> EmulatorApp:
    """The emulator for ``world``. ``fast_reads=False`` sends every request through
    Litestar (the common reads are otherwise answered by the gateway directly, alike)."""
    config = config or EmulatorConfig()
    counters = Counters()
    runtime = Runtime(
        world=world,
        config=config,
        documents=DocumentStore(world),
        limiter=RateLimiter(rate_per_second=config.rate_per_second, burst=config.burst),
        faults=FaultPlan(),
        counters=counters,
        webhooks=WebhookDispatcher(world, config, counters),
        jitter=ArrivalJitter(max_ms=config.arrival_jitter_ms, seed=config.jitter_seed),
    )
    return EmulatorApp(runtime, fast_reads=fast_reads)
