"""lti.yaml: the example loads as it ships; a file that cannot be used stops `serve` with one
line that names the problem (and its line, for YAML), and the tool's key is kept private."""
import stat

import pytest

from autograder.config import ROOT, ConfigError
from autograder.lti.settings import Settings


def test_the_example_loads_and_the_key_made_for_it_is_private(tmp_path, monkeypatch):
    monkeypatch.delenv("TORCHGRADE_LTI_KEY", raising=False)
    settings = Settings.load(ROOT / "lti.example.yaml", tmp_path / "lti-key.pem")
    assert settings.platforms[0]["issuer"] == "https://canvas.instructure.com"
    assert settings.rule("tensor_shapes").attempts == 10 and settings.secure_cookies
    assert stat.S_IMODE((tmp_path / "lti-key.pem").stat().st_mode) == 0o600


@pytest.mark.parametrize("text, words", [
    (None, "does not exist: copy lti.example.yaml"),
    ("url: https://x\n", "`platforms:` must list at least one platform"),
    ("url: https://x\nplatforms: [{issuer: a}]\n", "platforms[0] needs issuer, client_id"),
    ("url: https://x\nplatforms:\n  - issuer: a\n", "lti.yaml, line 3: platforms[0] needs"),
    ("platforms: [{issuer: a, client_id: b, deployment_ids: [c], auth_login_url: d, "
     "auth_token_url: e, key_set_url: f}]\nurl: http://grader.example.edu\n",
     "lti.yaml, line 2: url must be the https:// address"),
    ("url: https://x\nplatforms: []\nassignments:\n  tensor_shapes: {attempts: many}\n",
     "`platforms:` must list"),
    ("url: https://x\nurl: https://y\n", "lti.yaml, line 2, column 1: url is given twice"),
    ("url: [https://x\n", "lti.yaml, line 2, column 1:"),
])
def test_a_settings_file_that_cannot_be_used_is_one_line(tmp_path, text, words):
    path = tmp_path / "lti.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError) as error:
        Settings.load(path, tmp_path / "lti-key.pem")
    assert words in str(error.value) and "\n" not in str(error.value)
