"""The local server's HTTP layer: the Starlette app and its routes.

* `app.py`: `create_app`, the routes put together, the error handlers, the
  guard in front.
* `prediction_routes.py`: create, get, list, cancel, stream (`Prefer: wait`,
  `Cancel-After`, the injected create and GET faults).
* `catalog_routes.py`: models, versions, deployments, account, hardware.
* `file_routes.py`: the files API and delivery URLs.
* `discovery_routes.py`: `GET`/`QUERY /v1/models`, the beta `/v1/search`,
  `/v1/collections[/{slug}]`, cover images.
* `admin.py`: `/_admin` (pace, faults, rate limits, request log).
* `requests.py`, `pagination.py`: what handlers read from a request; cursor
  pages.

Imports: `catalogue`, `_engine`, `_models`.
"""
