"""The platform edge: adapters, the web console, the outbox sender, the scheduler,
config, the CLI and the wiring (`app`, `runner`); for the operator, `logs` (one line
per event), `reachability` (a platform's outages) and `status` (what `status` and
/healthz say). Imports `handlers` and `storage`.
"""
