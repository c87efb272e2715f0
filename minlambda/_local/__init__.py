# The local side of minlambda: everything that stands in for the Lambda platform on a
# developer's machine. Nothing here is on the serving path in Lambda.
#
#   emulator.py   the Runtime API for a runtime, the RIE invoke endpoint and the
#                 --http mode for callers, on the standard library's http.server
#   caller.py     the caller's side: one invocation, or one HTTP request in --http
#                 mode, on the standard library's http.client (InvokeResult, HttpResult)
#   sources/      the HTTP event sources of --http mode, one module per family, each a
#                 pair of pure functions: a request to an event, a result to a response
#   watch.py      --watch: the function in a subprocess, restarted when a file changes
#   serve.py      `python -m minlambda local` / `invoke` and serve() outside Lambda
#   samples.py    `python -m minlambda event`: sample events for the common sources
#
# Rule: no module here uses the runtime's own HTTP codec (minlambda._http,
# minlambda._transport), so a codec bug cannot hide behind a matching bug here.
