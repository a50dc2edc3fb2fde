"""What every page promises the browser: its Content-Security-Policy and referrer policy.

The site loads nothing from elsewhere and runs no inline script: only its own files, plus
WebAssembly for the search index. The templates put these in a ``<meta>`` tag (a static host
may send no headers at all) and the self-check verifies every page carries them unchanged.
"""

from __future__ import annotations

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self' 'wasm-unsafe-eval'",  # the search index is WebAssembly
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{k} {v}" for k, v in CSP_DIRECTIVES.items())

# A citizen's reading stays private: other sites are not told which act they came from.
REFERRER_POLICY = "same-origin"

# Settings the plugin adds to every site, so the templates read the same values the check does.
SETTINGS = {
    "CONTENT_SECURITY_POLICY": CONTENT_SECURITY_POLICY,
    "REFERRER_POLICY": REFERRER_POLICY,
}
