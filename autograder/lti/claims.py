"""What a launch's id_token says (the IMS claims), as the plain values the tool keeps."""
from datetime import datetime, timezone

CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"
CONTEXT = "https://purl.imsglobal.org/spec/lti/claim/context"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DEPLOYMENT = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
DEEP_LINK = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def person(body, staff):
    """Who launched, from where: the fields every session keeps."""
    return {"issuer": body["iss"], "client_id": _audience(body),
            "context": (body.get(CONTEXT) or {}).get("id", ""), "user": body["sub"],
            "name": _name(body), "instructor": bool(staff),
            "deployment": body.get(DEPLOYMENT, "")}


def placement(body):
    """(the assignment named by the link's custom parameters or "", the AGS line item's
    URL or "", whether now is past the due date the link carries)."""
    custom = body.get(CUSTOM) or {}
    lineitem = (body.get(AGS) or {}).get("lineitem", "")
    return str(custom.get("assignment") or ""), lineitem, _late(custom.get("due_at"))


def deep_link_settings(body):
    return body.get(DEEP_LINK, {})


def _audience(body):
    audience = body.get("aud")
    return audience[0] if isinstance(audience, list) else audience


def _name(body):
    return str(body.get("name") or " ".join(
        filter(None, (body.get("given_name"), body.get("family_name")))) or body["sub"])[:200]


def _late(due):
    """Whether now is past the due date (ISO 8601; one without a zone is taken as UTC)."""
    try:
        due = datetime.fromisoformat(str(due).replace("Z", "+00:00"))
    except ValueError:
        return False
    return datetime.now(timezone.utc) > (due if due.tzinfo else
                                         due.replace(tzinfo=timezone.utc))
