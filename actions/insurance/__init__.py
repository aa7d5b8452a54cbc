"""The insurer's records (customers, policies, claims) behind a small service layer.

Actions never build queries themselves: they call :mod:`actions.insurance.service` with a session
from :func:`actions.insurance.db.session_scope`. Pure format checks and text cleaning live in
:mod:`actions.insurance.formats` and need no database.
"""
