"""lti.yaml: the platforms this tool is registered with, and each assignment's attempts and
cooldown; the tool's private key, from TORCHGRADE_LTI_KEY or a file only its owner can read.
"""
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfDict

from ..assignments import NAMES
from ..yamlfile import ConfigError, load_yaml, where_in

PLATFORM_KEYS = ("issuer", "client_id", "deployment_ids", "auth_login_url", "auth_token_url",
                 "key_set_url")


@dataclass
class Rules:
    """How often a student may submit one assignment."""
    attempts: int = 10     # at most this many graded attempts
    cooldown: float = 60   # seconds between two attempts


@dataclass
class Settings:
    platforms: list
    rules: dict = field(default_factory=dict)  # assignment -> Rules
    private_key: str = field(default="", repr=False)
    url: str = ""          # where the LMS reaches this tool: https://grader.example.edu
    upload_limit: int = 16 * 1024 * 1024
    secure_cookies: bool = True  # False only for a plain-HTTP service on loopback (tests)

    @classmethod
    def load(cls, path, key_path=None):
        """The settings in ``path``; the key from TORCHGRADE_LTI_KEY, else ``key_path``
        (default: lti-key.pem beside it), made there on first use, readable only by its
        owner."""
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"{path} does not exist: copy lti.example.yaml and register the "
                              "tool with your LMS (README: The LTI tool)")
        data = load_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("platforms"), list) \
                or not data["platforms"]:
            raise ConfigError(f"{where_in(path, ['platforms'])}: `platforms:` must list at "
                              f"least one platform ({', '.join(PLATFORM_KEYS)})")
        platforms = [_platform(item, index, path) for index, item in enumerate(data["platforms"])]
        rules = {}
        for name, values in (data.get("assignments") or {}).items():
            if name not in NAMES or not isinstance(values, dict) or set(values) - {
                    "attempts", "cooldown"}:
                raise ConfigError(f"{where_in(path, ['assignments', name])}: assignments: "
                                  f"{name!r} must be one of {', '.join(NAMES)} with attempts "
                                  "and cooldown")
            try:
                rules[name] = Rules(int(values.get("attempts", 10)),
                                    float(values.get("cooldown", 60)))
            except (TypeError, ValueError):
                raise ConfigError(f"{where_in(path, ['assignments', name])}: assignments: "
                                  f"{name}: attempts and cooldown must be numbers") from None
        key = os.environ.get("TORCHGRADE_LTI_KEY") or _key_file(
            Path(key_path) if key_path else path.parent / "lti-key.pem")
        url = str(data.get("url", "")).rstrip("/")
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ConfigError(f"{where_in(path, ['url'])}: url must be the https:// address "
                              "the LMS reaches this tool at (plain http only on this machine)")
        return cls(platforms, rules, key, url, secure_cookies=url.startswith("https://"))

    def rule(self, assignment):
        return self.rules.get(assignment, Rules())

    def tool_config(self):
        """pylti1p3's configuration: each platform with the tool's key."""
        config = ToolConfDict({p["issuer"]: [{
            "default": True, "client_id": p["client_id"], "auth_login_url": p["auth_login_url"],
            "auth_token_url": p["auth_token_url"], "key_set_url": p["key_set_url"],
            "key_set": None, "deployment_ids": p["deployment_ids"]}] for p in self.platforms})
        for p in self.platforms:
            config.set_private_key(p["issuer"], self.private_key, client_id=p["client_id"])
            config.set_public_key(p["issuer"], self.public_key(), client_id=p["client_id"])
        return config

    def public_key(self):
        key = serialization.load_pem_private_key(self.private_key.encode(), None)
        return key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo
                                             ).decode()

    def jwks(self):
        """The tool's public key set, served at /lti/jwks (the key id pylti1p3 signs with)."""
        return {"keys": [dict(Registration.get_jwk(self.public_key()))]}

    def session_secret(self):
        """The key that signs session cookies, derived from the tool's private key."""
        return hashlib.sha256(b"torchgrade-session\0" + self.private_key.encode()).digest()


def _platform(item, index, path):
    if not isinstance(item, dict) or set(PLATFORM_KEYS) - set(item):
        raise ConfigError(f"{where_in(path, ['platforms', index])}: platforms[{index}] needs "
                          f"{', '.join(PLATFORM_KEYS)}")
    values = {key: item[key] for key in PLATFORM_KEYS}
    ids = values["deployment_ids"]
    values["deployment_ids"] = [str(d) for d in (ids if isinstance(ids, list) else [ids])]
    for key in PLATFORM_KEYS[:2] + PLATFORM_KEYS[3:]:
        values[key] = str(values[key])
    return values


def _key_file(path):
    """The PEM key in ``path``, made (mode 0600) when there is none; refused when others
    can read it."""
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path} can be read by others: chmod 600 {path}")
    return path.read_text()
