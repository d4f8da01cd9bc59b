"""The embedded HTTP/SSE endpoint: sessions live over Server-Sent Events, posting turns, the catalog, the web view.

`ApiServer` (runner) runs FastAPI under uvicorn on its own thread and loop; `EventHub` (hub) fans bus events out to
stream clients; `create_app` (api) holds the routes; `auth` the token rules.
"""

from app.server.auth import ApiServerError
from app.server.runner import ApiServer

__all__ = ["ApiServer", "ApiServerError"]
