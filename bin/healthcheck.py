"""Docker HEALTHCHECK: exit 0 when /healthz on this container's gunicorn answers 200, else 1.

Python's standard library only, because the slim image has no curl. The request carries a Host header
taken from ALLOWED_HOSTS, since Django rejects (400) any other host name, such as 127.0.0.1.
"""

import os
import sys
import urllib.error
import urllib.request

URL = "http://127.0.0.1:8000/healthz"


def host_header(allowed_hosts: str) -> str:
    """The first ALLOWED_HOSTS entry as a host name: ".example.gov.uk" → "example.gov.uk", "*" → localhost."""
    for entry in allowed_hosts.split(","):
        host = entry.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    request = urllib.request.Request(URL, headers={"Host": host_header(os.environ.get("ALLOWED_HOSTS", ""))})
    # No proxies: an HTTP(S)_PROXY in the container's environment must not intercept a loopback probe.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:  # HTTPError (503) is a URLError
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
