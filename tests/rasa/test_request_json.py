"""rasa_addons/request_json.py: the action server reads the same bodies from Rasa, encoded faster."""
from __future__ import annotations

import pytest

from tests.conftest import run_rasa_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_rasa_probe("request_json_probe.py", "200")


def test_bodies_read_back_as_json_dumps_wrote_them(probed):
    # 200 conversations over Heard's domain (up to 25 turns, every script and emoji), 9 odd values and a list
    # nested 900 deep.
    assert probed["payloads"] == 210
    assert probed["largest_body"] > 50_000
    assert probed["read_differ"] == 0
    assert probed["nan_read_back"] is True


def test_ujson_encodes_them_all(probed):
    # None of them fell back to json.dumps: the speed-up applies to every body.
    assert probed["faster_by_ujson"] == 210


def test_what_json_dumps_refuses_is_refused_with_its_error(probed):
    assert probed["unencodable"] == [True, True, True]


def test_sent_through_the_kept_session_the_server_reads_the_same(probed):
    assert probed["installed"] == [True, False]
    assert probed["sent"] == 210
    assert probed["sent_differ"] == 0
