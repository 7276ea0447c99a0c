"""What the CI seed scripts share: calling the API with a token, and signing in."""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request


class Api:
    def __init__(self, base_url, script):
        self.base_url = base_url
        self.script = script

    def call(self, method, path, token=None, body=None, form=None):
        """The parsed JSON body of a 2xx answer; any other answer stops the script, saying why."""
        headers = {}
        data = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            sys.exit(f"{self.script}: {method} {path} -> {error.code}: {error.read().decode()}")

    def token(self, username, password):
        form = {"grant_type": "password", "username": username, "password": password}
        return self.call("POST", "/v1/auth/token", form=form)["access_token"]
