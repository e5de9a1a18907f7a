"""An LTI 1.3 platform on loopback for the tool's tests, built on lti1p3platform (OpenLearning's
implementation of the platform side of LTI 1.3, Deep Linking 2.0 and AGS 2.0).

lti1p3platform makes the login initiation URL, checks the tool's authentication request,
builds and signs each launch, publishes the platform's key set, grants access tokens for
client assertions it checks against the tool's key set, and validates Deep Linking
responses. Around it: the HTTP endpoints, a record of every score posted with a token it
granted (it can be told to fail the next few, as a busy LMS does), the checks it leaves
out (the audience of what the tool signs), and a forger (PyJWT) that alters a launch for
the tests of what the tool must refuse."""
import functools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.exceptions import LtiException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request

STUDENT = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


class _Config(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, registration):
        self._registration = registration

    def get_registration_by_params(self, **kwargs):
        return self._registration


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, hint):
        self._lti_message_hint = hint

    def get_redirect(self, url):
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


class _Query(Request):
    """The tool's authentication request (a redirect to the platform), as lti1p3platform
    reads requests."""

    def build_metadata(self, query):
        return {"method": "GET", "get_data": query, "form_data": {}, "headers": {},
                "content_type": None, "path": "/auth", "json": None}


class Platform:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.client_id, self.deployment = "tool-1", "deployment-1"
        self.scores, self.links, self.fail_next = [], [], 0
        self.tool_url = ""  # set once the tool runs
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def registration(self):
        """What lti.yaml says of this platform."""
        return {"issuer": self.issuer, "client_id": self.client_id,
                "deployment_ids": [self.deployment], "auth_login_url": f"{self.url}/auth",
                "auth_token_url": f"{self.url}/token", "key_set_url": f"{self.url}/jwks"}

    @functools.cached_property
    def config(self):
        """lti1p3platform's side of the registration (once the tool's URL is known)."""
        public = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return _Config(registration=Registration()
                       .set_iss(self.issuer).set_client_id(self.client_id)
                       .set_deployment_id(self.deployment)
                       .set_launch_url(f"{self.tool_url}/lti/launch")
                       .set_deeplink_launch_url(f"{self.tool_url}/lti/launch")
                       .set_oidc_login_url(f"{self.tool_url}/lti/login")
                       .set_tool_key_set_url(f"{self.tool_url}/lti/jwks")
                       .set_platform_public_key(public.decode())
                       .set_platform_private_key(pem(self.key)))

    def login_url(self, user):
        """Where an LMS sends a browser to start a launch (third-party initiated login)."""
        login = _Login(None, self.config)
        login.set_lti_message_hint("hint")
        return login.prepare_preflight_url(user)

    def id_token(self, asked, roles=STUDENT, kind="LtiResourceLinkRequest", custom=None,
                 context="course-1"):
        """The launch lti1p3platform builds and signs for the tool's authentication request
        ``asked`` (it checks the request's client id, nonce, state and redirect)."""
        launch = _Launch(_Query(asked), self.config)
        user = asked["login_hint"]
        launch.set_user_data(user, roles, full_name=f"Student {user}")
        launch.set_launch_context_claim(context, context_title="PyTorch fundamentals")
        launch.set_custom_parameters_claim(custom if custom is not None
                                           else {"assignment": "tensor_shapes"})
        launch.set_ags(f"{self.url}/lineitems", f"{self.url}/lineitems/1")
        if kind == "LtiDeepLinkingRequest":
            launch.set_dl(f"{self.url}/deep-link-return", accept_types={"ltiResourceLink"},
                          extra_data="dl-data")
        else:
            launch.set_resource_link_claim("link-1")
        return launch.lti_launch()["id_token"]

    def launch(self, http, user="student-1", keep=None, forge=None, **claims):
        """Log in to the tool and post it a launch, as an LMS's browser would: returns (the
        tool's answer, the id_token posted, what the login asked for). ``forge`` alters the
        id_token first; ``keep`` is given the browser's cookies as they were before the
        launch was posted."""
        login = http.get(self.login_url(user), allow_redirects=False)
        assert login.status_code in (302, 303), login.text[:300]
        asked = {k: v[0] for k, v in parse_qs(urlsplit(login.headers["Location"]).query).items()}
        assert asked["scope"] == "openid" and asked["response_type"] == "id_token"
        assert asked["login_hint"] == user and asked["lti_message_hint"] == "hint"
        token = self.id_token(asked, **claims)
        token = forge(token) if forge else token
        if keep:
            keep(http.cookies.copy())
        answer = http.post(asked["redirect_uri"], data={"id_token": token,
                                                        "state": asked["state"]},
                           allow_redirects=False)
        return answer, token, asked

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def forged(key, audience=None, drop=()):
    """A forger: the launch re-signed with ``key`` (the platform's key id kept), for
    ``audience`` instead, or without the claims in ``drop``."""
    def forge(token):
        claims = jwt.decode(token, options={"verify_signature": False})
        claims["aud"] = audience or claims["aud"]
        for name in drop:
            claims.pop(name, None)
        return jwt.encode(claims, key, algorithm="RS256",
                          headers={"kid": jwt.get_unverified_header(token)["kid"]})
    return forge


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
                return self._send(200, json.dumps(platform.config.get_jwks()).encode())
            if self.path.startswith("/auth?"):  # a browser's login: the launch, posted back
                asked = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                token = platform.id_token(asked)
                form = (f'<form id="launch" method="post" action="{asked["redirect_uri"]}">'
                        f'<input type="hidden" name="id_token" value="{token}">'
                        f'<input type="hidden" name="state" value="{asked["state"]}"></form>'
                        '<script>document.getElementById("launch").submit()</script>')
                return self._send(200, form.encode(), "text/html")
            return self._send(404)

        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/token":
                form = {k: v[0] for k, v in parse_qs(data.decode()).items()}
                claims = _signed_for(form["client_assertion"], f"{platform.url}/token")
                assert claims["iss"] == claims["sub"] == platform.client_id
                granted = platform.config.get_access_token(form)
                return self._send(200, json.dumps(granted).encode())
            if self.path == "/lineitems/1/scores":
                return self._score(data)
            if self.path == "/deep-link-return":
                token = parse_qs(data.decode())["JWT"][0]
                platform.config.validate_deeplinking_resp({"JWT": token})
                _signed_for(token, platform.issuer)
                platform.links.append(platform.config.tool_validate_and_decode(token))
                return self._send(200, b"placed", "text/plain")
            return self._send(404)

        def _score(self, data):
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                granted = platform.config.validate_token(bearer, allowed_scopes=[SCORE_SCOPE])
            except (jwt.PyJWTError, LtiException):
                granted = False
            if not granted or self.headers["Content-Type"] != SCORE_TYPE:
                return self._send(401)
            if platform.fail_next:
                platform.fail_next -= 1
                return self._send(503)
            platform.scores.append(json.loads(data))
            return self._send(200, b"{}")
    return Handler


def _signed_for(token, audience):
    """What lti1p3platform leaves out: the JWT the tool signed names this platform's
    endpoint as its audience (its signature is checked by lti1p3platform)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert audience in audiences, (audience, claims["aud"])
    return claims


def pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
