"""Property-based runs of schemathesis against the app's own OpenAPI document.

Two runs, both bounded (25 examples per operation) and deterministic (fixed seed,
derandomised, no deadline, no example database):

* every operation, with schema-valid and schema-invalid data: no server errors;
  status codes, content types, headers and bodies as documented; schema-invalid
  data refused. ("Schema-valid data accepted" is not checked: the service
  validates more than a JSON schema can say - a real rare earth, a real country,
  an upload this service made.)
* the three drafting routes with schema-valid requests whose element is a real
  rare earth, so most of them are drafted and the 200 responses are checked too.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import settings
from hypothesis import strategies as st

from app.config import Settings
from app.web.main import create_app

APP = create_app(Settings(api_key=None, cors_origins=[], batch_limit=3))
SEED = 20270101
EXAMPLES = 25
NOT_CHECKED = [schemathesis.checks.positive_data_acceptance]


def _config(*, mode: str, examples_phase: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": mode,
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {
                "examples": {"enabled": examples_phase},
                "coverage": {"enabled": False},
                "stateful": {"enabled": False},
            },
        }
    )


whole_api = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, config=_config(mode="all", examples_phase=True)
)
drafting = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, config=_config(mode="positive", examples_phase=False)
).include(path_regex=r"^/api/v1/contracts/(docx|html|report)$")

ELEMENTS = ["Dy", "terbium", "ND", "Lanthanum", "y", "Pr"]


@drafting.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    """Give generated requests a real rare earth, so that they reach the drafting."""
    if not isinstance(body, dict):
        return st.just(body)
    return st.sampled_from(ELEMENTS).map(lambda element: {**body, "element": element})


@whole_api.parametrize()
@settings(deadline=None)
def test_every_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=NOT_CHECKED)


@drafting.parametrize()
@settings(deadline=None)
def test_drafting_random_valid_requests_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=NOT_CHECKED)
