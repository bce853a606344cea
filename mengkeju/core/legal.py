"""The terms of service and privacy policy (PIPL) that a user accepts when signing up.

Their text lives in ``templates/pages/{terms,privacy}.<language>.html``.  ``LEGAL_VERSION`` names the
version of both; change it whenever either text changes in substance, and users accept again.
"""

LEGAL_VERSION = "2026-11-30"
