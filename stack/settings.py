"""Where everything runs, read once from the environment (.env via python-dotenv).

The same values are exported to the child processes, so Rasa's ``endpoints.yml`` and
``credentials.yml`` (which expand ``${VARS}``) always see a complete environment.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from stack.exposure import is_loopback, secret_problem

ROOT = Path(__file__).resolve().parent.parent


def _env(overrides: dict[str, str]) -> dict[str, str]:
    values = {k: v for k, v in dotenv_values(ROOT / ".env").items() if v is not None}
    values.update({k: v for k, v in os.environ.items()})
    values.update(overrides)
    return values


@dataclass
class StackSettings:
    """Ports, paths and secrets for one running stack (the product, or a test's private copy)."""

    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, **overrides: str) -> "StackSettings":
        env = _env(overrides)
        var_dir = Path(env.get("HEARD_VAR_DIR") or ROOT / "var").resolve()
        host = env.setdefault("HEARD_HOST", "127.0.0.1")
        env["HEARD_VAR_DIR"] = str(var_dir)
        env.setdefault("RASA_PORT", "5005")
        env.setdefault("ACTION_SERVER_PORT", "5055")
        env.setdefault("HANDOFF_PORT", "5100")
        env.setdefault("ACTION_SERVER_HOST", host)
        env.setdefault("HANDOFF_HOST", host)
        env.setdefault("RASA_URL", f"http://{host}:{env['RASA_PORT']}")
        env.setdefault("ACTION_SERVER_URL", f"http://{host}:{env['ACTION_SERVER_PORT']}")
        env.setdefault("ACTION_ENDPOINT_URL", f"{env['ACTION_SERVER_URL']}/webhook")
        env.setdefault("HANDOFF_URL", f"http://{host}:{env['HANDOFF_PORT']}")
        env.setdefault("TRACKER_STORE_URL", f"sqlite:///{var_dir / 'tracker.db'}")
        env.setdefault("DATABASE_URL", f"sqlite:///{var_dir / 'handoff.db'}")
        env.setdefault("INSURANCE_DATABASE_URL", f"sqlite:///{var_dir / 'insurance.db'}")
        env.setdefault("CALLBACK_URL", f"http://{host}:5034/bot")
        env.setdefault("RASA_ENDPOINTS", "endpoints.yml")
        # The supervisor's GET /health (0: any free port, as tests use).
        env.setdefault("HEARD_SUPERVISOR_PORT", "5099")
        env.setdefault("REDIS_HOST", "127.0.0.1")
        env.setdefault("REDIS_PORT", "6379")
        env.setdefault("REDIS_LOCK_DB", "1")
        # numpy's OpenBLAS starts a spinning thread per core for each small matrix product; on two shared
        # cores those threads fight each other: the emotion head took 50 ms a message instead of 3.6 ms
        # (docs/benchmarks.md, "Load"). Each process is already one of several; one BLAS thread each.
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        # Rasa's telemetry would try to reach the internet at every start; this product never does.
        env.setdefault("RASA_TELEMETRY_ENABLED", "false")
        for secret in ("RASA_TOKEN", "HANDOFF_SERVICE_TOKEN", "HANDOFF_SECRET_KEY"):
            if not env.get(secret):
                raise SystemExit(
                    f"{secret} is not set. Run ./heard setup (it writes .env with fresh secrets) "
                    "or set it in the environment."
                )
        if not is_loopback(host):  # reachable from other machines: no short or published secret
            problems = [p for secret in ("RASA_TOKEN", "HANDOFF_SERVICE_TOKEN", "HANDOFF_SECRET_KEY")
                        if (p := secret_problem(secret, env[secret]))]
            if problems:
                raise SystemExit(f"HEARD_HOST={host} is reachable from other machines, but:\n"
                                 + "\n".join(f"  {p}" for p in problems))
        return cls(env=env)

    @property
    def var_dir(self) -> Path:
        return Path(self.env["HEARD_VAR_DIR"])

    @property
    def status_file(self) -> Path:
        return self.var_dir / "run" / "status.json"

    def url(self, name: str) -> str:
        return self.env[name]
