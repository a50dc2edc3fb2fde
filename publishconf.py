"""Settings for the deployed site: the public URL, on top of pelicanconf.py."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("SITEURL", "https://deliberations.example.org")
RELATIVE_URLS = False
