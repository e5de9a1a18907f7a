"""The LTI 1.3 tool: students submit inside their LMS and are graded in seconds.

    settings  -- lti.yaml: the platforms registered, attempts and cooldown per assignment;
                 the tool's key (pylti1p3's tool configuration)
    attempts  -- the queue of submitted files (notebooks, otter zips, scripts) and the
                 launches already used (SQLite)
    claims    -- what a launch's id_token says, as the values a session keeps
    web       -- the web service (Flask): OIDC login, launch, JWKS, Deep Linking, the
                 student's and the instructor's pages (their HTML: views)
    worker    -- grades what is queued, in a process of its own (never in the web
                 process), and posts each score to the LMS (Assignment and Grade Services)
    service   -- ``serve``: the web service under waitress, and its workers

Launches are checked by pylti1p3 (the platform's signature, audience, deployment, state and
nonce); a launch is used once. Grades go into the same store as ``make grade``'s, so the
report, the LMS files and ``publish`` see both.
"""
