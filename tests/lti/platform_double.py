"""An LTI 1.3 platform on loopback, for the tool's tests: built on PyJWT alone, following
1EdTech's LTI 1.3 core, Deep Linking 2.0 and Assignment and Grade Services 2.0.

It starts launches as an LMS does (third-party initiated login, then a signed id_token
posted to the tool), serves its key set, gives the tool an access token for a JWT the tool
signed with the key its own key set publishes, and records every score posted to a line
item (it can be told to fail the next few, as a busy LMS does)."""
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
STUDENT = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


class Platform:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid, self.client_id, self.deployment = "platform-key-1", "tool-1", "deployment-1"
        self.scores, self.links, self.tokens, self.fail_next = [], [], set(), 0
        self.tool_url = ""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.url
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def registration(self):
        """What lti.yaml says of this platform."""
        return {"issuer": self.issuer, "client_id": self.client_id,
                "deployment_ids": [self.deployment], "auth_login_url": f"{self.url}/auth",
                "auth_token_url": f"{self.url}/token", "key_set_url": f"{self.url}/jwks"}

    def jwks(self):
        key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**key, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def id_token(self, nonce, user="student-1", roles=STUDENT, kind="LtiResourceLinkRequest",
                 custom=None, audience=None, drop=(), key=None, context="course-1"):
        claims = {
            "iss": self.issuer, "aud": audience or self.client_id, "sub": user,
            "iat": int(time.time()), "exp": int(time.time()) + 300, "nonce": nonce,
            "name": f"Student {user}", LTI + "message_type": kind, LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment, LTI + "roles": roles,
            LTI + "target_link_uri": f"{self.tool_url}/lti/launch",
            LTI + "context": {"id": context, "title": "PyTorch fundamentals"},
            LTI + "resource_link": {"id": "link-1"},
            LTI + "custom": custom if custom is not None else {"assignment": "tensor_shapes"},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                          "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitem": f"{self.url}/lineitems/1", "lineitems": f"{self.url}/lineitems"}}
        if kind == "LtiDeepLinkingRequest":
            del claims[LTI + "resource_link"]
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": f"{self.url}/deep-link-return",
                "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets":
                ["iframe", "window"], "data": "dl-data"}
        for name in drop:
            claims.pop(name, None)
        return jwt.encode(claims, key or self.key, algorithm="RS256",
                          headers={"kid": self.kid})

    def launch(self, http, user="student-1", keep=None, **claims):
        """Log in to the tool and post it a launch, as an LMS's browser would: returns (the
        tool's answer, the id_token posted, what the login asked for); ``keep`` is given
        the browser's cookies as they were before the launch was posted."""
        login = http.get(f"{self.tool_url}/lti/login", allow_redirects=False, params={
            "iss": self.issuer, "login_hint": user, "client_id": self.client_id,
            "target_link_uri": f"{self.tool_url}/lti/launch", "lti_message_hint": "hint",
            "lti_deployment_id": self.deployment})
        assert login.status_code in (302, 303), login.text[:300]
        asked = {k: v[0] for k, v in parse_qs(urlsplit(login.headers["Location"]).query).items()}
        assert asked["scope"] == "openid" and asked["response_type"] == "id_token"
        assert asked["client_id"] == self.client_id and asked["login_hint"] == user
        token = self.id_token(claims.pop("nonce", asked["nonce"]), user, **claims)
        if keep:
            keep(http.cookies.copy())
        answer = http.post(asked["redirect_uri"], data={"id_token": token,
                                                        "state": asked["state"]},
                           allow_redirects=False)
        return answer, token, asked

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _handler(platform):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body=b"", kind="application/json"):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/jwks":
                return self._send(200, json.dumps(platform.jwks()).encode())
            if self.path.startswith("/auth?"):  # a browser's login: the launch, posted back
                asked = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                token = platform.id_token(asked["nonce"], asked["login_hint"])
                form = (f'<form id="launch" method="post" action="{asked["redirect_uri"]}">'
                        f'<input type="hidden" name="id_token" value="{token}">'
                        f'<input type="hidden" name="state" value="{asked["state"]}"></form>'
                        '<script>document.getElementById("launch").submit()</script>')
                return self._send(200, form.encode(), "text/html")
            return self._send(404)

        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/token":
                return self._token(parse_qs(data.decode()))
            if self.path == "/lineitems/1/scores":
                return self._score(data)
            if self.path == "/deep-link-return":
                token = parse_qs(data.decode())["JWT"][0]
                platform.links.append(_verified(token, platform, audience=platform.issuer))
                return self._send(200, b"placed", "text/plain")
            return self._send(404)

        def _token(self, form):
            assertion = form["client_assertion"][0]
            claims = _verified(assertion, platform, audience=f"{platform.url}/token")
            assert claims["iss"] == claims["sub"] == platform.client_id
            assert form["grant_type"][0] == "client_credentials"
            token = secrets.token_urlsafe(16)
            platform.tokens.add(token)
            return self._send(200, json.dumps({"access_token": token, "token_type": "Bearer",
                                               "expires_in": 3600,
                                               "scope": form["scope"][0]}).encode())

        def _score(self, data):
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if bearer not in platform.tokens or self.headers["Content-Type"] != SCORE_TYPE:
                return self._send(401)
            if platform.fail_next:
                platform.fail_next -= 1
                return self._send(503)
            platform.scores.append(json.loads(data))
            return self._send(200, b"{}")
    return Handler


def _verified(token, platform, audience):
    """The claims of a JWT the tool signed, checked against the tool's published keys."""
    keys = requests.get(f"{platform.tool_url}/lti/jwks", timeout=10).json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys if k["kid"] == kid)
    return jwt.decode(token, jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key)),
                      algorithms=["RS256"], audience=audience)


def pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
