"""A real OpenID Connect provider for the single sign-on tests: `oidc-provider` under Node.js.

tests/accounts/oidc_provider_server.mjs runs it on a free loopback port; this starts the process,
waits for its discovery document, and can walk its login screen with plain HTTP (the browser test
uses Chromium instead).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

from tests.conftest import free_port

SCRIPT = Path(__file__).parent / "accounts" / "oidc_provider_server.mjs"
ROOT = Path(__file__).resolve().parent.parent


class OidcProviderServer:
    client_id = "due-diligence"
    client_secret = "a-test-client-secret-of-enough-length"

    def __init__(self, *, redirect_uris: list[str]) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.redirect_uris = redirect_uris
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        node = shutil.which("node")
        if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("node and the npm package oidc-provider (npm ci) are needed")
        env = {
            **os.environ,
            "OIDC_PORT": str(self.port),
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_REDIRECT_URIS": " ".join(self.redirect_uris),
        }
        self.process = subprocess.Popen(
            [node, str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the OpenID provider exited during start-up")
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the OpenID provider did not answer within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def sign_in(self, authorization_url: str, *, login: str, stop_at: str) -> str:
        """Walks the provider's development login as `login`; the redirect URL back to `stop_at`."""
        session = requests.Session()
        url = authorization_url
        for _ in range(10):
            response = session.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if url.startswith(stop_at):
                    return url
                continue
            action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
            assert action, f"no login form at {url}: {response.status_code}"
            response = session.post(
                urljoin(url, html.unescape(action.group(1))),
                data={"prompt": "login", "login": login, "password": "any"},
                allow_redirects=False,
                timeout=10,
            )
            assert response.is_redirect, response.text[:500]
            url = urljoin(url, response.headers["Location"])
            if url.startswith(stop_at):
                return url
        raise AssertionError("the provider never redirected back")
