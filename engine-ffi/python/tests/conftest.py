"""Shared fixtures: a one-tenant configuration like the README's."""

import pytest

CONFIG = {
    "tenants": [
        {
            "id": "acme",
            "groups": [
                {"id": "support", "skills": [{"skill": "support", "min_level": 1}], "ring_time_s": 20}
            ],
            "agents": [
                {"id": "alice", "skills": {"support": 5}},
                {"id": "bob", "skills": {"support": 3}},
            ],
        }
    ]
}


@pytest.fixture
def config():
    import copy

    return copy.deepcopy(CONFIG)
