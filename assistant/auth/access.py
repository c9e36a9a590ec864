"""Sign-in for the whole server: every request carries a session (the login page's cookie) or an API token
(`Authorization: Bearer TOKEN`), or it gets no further than this middleware.

One ASGI middleware in front of everything (the chat page, Gradio's own API and file routes, /api/*, /docs,
/openapi.json) rather than a dependency on each route: a route added later is covered without a thought.
Only /login and /logout answer without a session. Without one, a browser asking for the chat page is sent to
/login, anything else gets 401. Failed sign-ins and bad tokens from one address are throttled (throttle.py).

Sessions live in this process's memory: a restart signs everyone out, and one process serves them all
(uvicorn with one worker, as `serve` runs it).
"""
from __future__ import annotations

import html
import logging
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from .throttle import Throttle
from .users import User, UsersError, UsersFile

log = logging.getLogger(__name__)

COOKIE = "assistant_session"
SESSION_HOURS = 12.0
OPEN_PATHS = ("/login", "/logout")
NOT_SIGNED_IN = ("Niet aangemeld: meld u aan op /login, of stuur een API-token mee als 'Authorization: Bearer "
                 "TOKEN' (een beheerder maakt er een met `python -m assistant users token NAAM`).")
BAD_TOKEN = "Dit API-token is ongeldig of ingetrokken: vraag een nieuw aan een beheerder."
BAD_PASSWORD = "Onbekende gebruikersnaam of fout wachtwoord."
THROTTLED = "Te veel mislukte pogingen vanaf dit adres: probeer het over {seconds} seconden opnieuw."

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


@dataclass(frozen=True)
class _Session:
    user: str
    expires: float


class Throttled(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(THROTTLED.format(seconds=max(1, round(seconds))))


class Access:
    """Who a request is: sessions made by signing in, API tokens from the users file, and the throttle."""

    def __init__(self, users: UsersFile, throttle: Throttle | None = None, session_hours: float = SESSION_HOURS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.users = users
        self.throttle = throttle or Throttle()
        self.session_seconds = session_hours * 3600
        self.clock = clock
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def sign_in(self, name: str, password: str, client: str) -> str:
        """A new session id for a right name and password; a wrong one is a UsersError, too many a Throttled."""
        wait = self.throttle.wait(client)
        if wait:
            raise Throttled(wait)
        user = self.users.authenticate(name.strip(), password)
        if user is None:
            self.throttle.failed(client)
            log.warning("failed sign-in for %r from %s", name.strip()[:64], client)
            raise UsersError(BAD_PASSWORD)
        session = secrets.token_urlsafe(32)
        with self._lock:
            now = self.clock()
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            self._sessions[session] = _Session(user.name, now + self.session_seconds)
        log.info("%s signed in from %s", user.name, client)
        return session

    def sign_out(self, session: str) -> None:
        with self._lock:
            self._sessions.pop(session, None)

    def user(self, headers: dict[str, str], cookies: dict[str, str], client: str) -> User | None:
        """The signed-in user of a request (its API token, else its session cookie), or None. A bad token counts
        as a failure for the throttle; a throttled client gets a Throttled."""
        authorization = headers.get("authorization", "")
        if authorization:
            wait = self.throttle.wait(client)
            if wait:
                raise Throttled(wait)
            scheme, _, token = authorization.partition(" ")
            user = self.users.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                self.throttle.failed(client)
                log.warning("a bad API token from %s", client)
            return user
        session = cookies.get(COOKIE, "")
        with self._lock:
            found = self._sessions.get(session)
        if found is None or found.expires <= self.clock():
            return None
        return self.users.get(found.user)  # None once the user is removed

    def username(self, request: Request) -> str | None:
        """For Gradio's `auth_dependency`: the user's name, which handlers then read as `gr.Request.username`."""
        try:
            user = self.user({k.lower(): v for k, v in request.headers.items()}, dict(request.cookies),
                             _client(request.scope))
        except Throttled:
            return None
        return user.name if user else None


class SignInMiddleware:
    """The ASGI middleware: /login and /logout, and nothing else without a signed-in user."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app, self.access = app, access

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if scope["type"] == "http" and path in OPEN_PATHS:
            response = await (self._login(scope, receive) if path == "/login" else self._logout(scope))
            await response(scope, receive, send)
            return
        request = Request(scope)
        try:
            user = self.access.user({k.lower(): v for k, v in request.headers.items()}, dict(request.cookies),
                                    _client(scope))
        except Throttled as exc:
            await self._refuse(scope, receive, send, 429, str(exc))
            return
        if user is None:
            bad_token = "authorization" in {k.lower() for k in request.headers}
            if not bad_token and scope["type"] == "http" and scope.get("method") == "GET" and path in ("", "/"):
                await RedirectResponse("/login", status_code=303)(scope, receive, send)
                return
            await self._refuse(scope, receive, send, 401, BAD_TOKEN if bad_token else NOT_SIGNED_IN)
            return
        scope["state"] = {**scope.get("state", {}), "user": user}  # request.state.user, for the API's routes
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                      send: Callable[[Any], Awaitable[None]], status: int, message: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        body: dict[str, Any] = {"detail": message}
        if str(scope.get("path", "")).startswith("/v1/"):  # the OpenAI-compatible API: OpenAI's error object
            code = "invalid_api_key" if status == 401 else "rate_limit_exceeded"
            body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}
        await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)

    async def _login(self, scope: Scope, receive: Callable[[], Awaitable[Any]]) -> Response:
        request = Request(scope, receive)
        if request.method != "POST":
            return HTMLResponse(login_page())
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        name = (form.get("username") or [""])[0]
        password = (form.get("password") or [""])[0]
        try:
            session = await anyio.to_thread.run_sync(self.access.sign_in, name, password, _client(scope))
        except Throttled as exc:
            return HTMLResponse(login_page(str(exc), name), status_code=429)
        except UsersError as exc:  # a wrong password, or a users file that cannot be read
            return HTMLResponse(login_page(str(exc), name), status_code=401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, session, max_age=int(self.access.session_seconds), httponly=True,
                            samesite="strict", secure=scope.get("scheme") == "https")
        return response

    async def _logout(self, scope: Scope) -> Response:
        self.access.sign_out(Request(scope).cookies.get(COOKIE, ""))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


LOGIN_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aanmelden - Parlementaire vragen</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f5f5f5; display: flex; justify-content: center;
  padding-top: 10vh; margin: 0; }}
form {{ background: white; padding: 2em; border-radius: 10px; box-shadow: 0 1px 4px rgba(0,0,0,.15);
  width: 20em; }}
h1 {{ font-size: 1.2em; margin-top: 0; }}
label {{ display: block; margin: 0.8em 0 0.3em; }}
input {{ width: 100%; box-sizing: border-box; padding: 0.5em; font-size: 1em; }}
button {{ margin-top: 1.2em; width: 100%; padding: 0.6em; font-size: 1em; background: #2563eb; color: white;
  border: 0; border-radius: 6px; cursor: pointer; }}
.error {{ color: #a40000; margin: 0.8em 0 0; }}
</style></head>
<body><form method="post" action="/login">
<h1>Parlementaire vragen: aanmelden</h1>
{error}
<label for="username">Gebruikersnaam</label>
<input id="username" name="username" autocomplete="username" value="{name}" required autofocus>
<label for="password">Wachtwoord</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="aanmelden">Aanmelden</button>
</form></body></html>
"""


def login_page(error: str = "", name: str = "") -> str:
    shown = f'<p class="error" id="fout" role="alert">{html.escape(error)}</p>' if error else ""
    return LOGIN_PAGE.format(error=shown, name=html.escape(name, quote=True))


OPEN_NOTICE = ("deze server is open (--no-auth): iedereen die hem bereikt, kan alle documenten lezen en er "
               "toevoegen, zonder aan te melden.")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: reachable from this machine only."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def open_server_notice(host: str, no_auth: bool, users_file: object) -> str:
    """Serving without a users file: fine on loopback (no notice), on another address only with --no-auth (and
    the page then says it is open); otherwise a UsersError saying how to add a user."""
    if is_loopback(host):
        return OPEN_NOTICE if no_auth else ""
    if no_auth:
        return OPEN_NOTICE
    raise UsersError(
        f"serve op {host} zonder aanmelden weigert te starten: iedereen op het netwerk zou alles lezen. Maak een "
        f"gebruiker (`python -m assistant users add NAAM --group GROEP --users {users_file}`, wachtwoord op "
        f"standaardinvoer) en start met `serve --users {users_file}`, of kies uitdrukkelijk --no-auth")


def sign_in_for(users_file: Path, host: str, users_named: bool, no_auth: bool) -> tuple[UsersFile | None, str]:
    """What `serve` runs with: the users file (sign-in) when it exists or was named, unless --no-auth; else no
    sign-in and the notice the page shows. A named file that is missing, broken or readable by others, or an open
    server off loopback without --no-auth, is a UsersError, before anything is loaded."""
    if (users_named or users_file.exists()) and not no_auth:
        users = UsersFile(users_file)
        users.users()
        return users, ""
    return None, open_server_notice(host, no_auth, users_file)
