import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "actions.emotion.cli", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=120)


def test_file_to_file_with_invalid_utf8_lines(tmp_path):
    source = tmp_path / "transcript.txt"
    source.write_bytes(b"thanks!!\n"
                       b"I reported the water damage THREE WEEKS ago and nobody has called me.\n"
                       b"caf\xe9 au lait is not utf-8\n"
                       b"\n"
                       b"\xff\xfe\n"
                       b"my car was stolen last night")  # no final newline: still a line
    out = tmp_path / "scores.jsonl"
    done = run_cli(str(source), "-o", str(out), "--batch-size", "2")
    assert done.returncode == 1  # some lines could not be read
    stderr = done.stderr.decode()
    assert "line 3: invalid UTF-8" in stderr and "line 5: invalid UTF-8" in stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert "error" in records[2] and "intensity" not in records[2]
    assert "error" in records[4]
    assert records[0]["tone"] == "positive"
    assert records[1]["tone"] == "distressed" and any("waiting time" in c for c in records[1]["cues"])
    assert records[3]["intensity"] == 0.0
    assert records[5]["tone"] in {"upset", "distressed"}
    assert {"intensity", "valence", "tone", "dominant", "emotions", "cues", "language", "is_english",
            "truncated"} <= set(records[0])


def test_stdin_to_stdout():
    done = run_cli("-", stdin="ok\nJe suis très en colère contre votre service client\n".encode())
    assert done.returncode == 0, done.stderr.decode()
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["line"] for r in records] == [1, 2]
    assert records[0]["is_english"] is True and records[1]["is_english"] is False
    assert "scored 2 line(s); 0 line(s) with errors" in done.stderr.decode()


def test_missing_file_is_a_clear_error(tmp_path):
    done = run_cli(str(tmp_path / "nope.txt"))
    assert done.returncode == 2 and "No such file" in done.stderr.decode()


def test_line_record_is_the_single_builder():
    from actions.emotion.cli import line_record

    assert line_record(7, {"intensity": 0.5}) == {"line": 7, "intensity": 0.5}
    assert line_record(3, error="bad bytes") == {"line": 3, "error": "bad bytes"}


def test_each_line_carries_the_single_message_escalation_decision():
    from actions.emotion.cli import line_record

    calm = line_record(1, {"intensity": 0.1, "is_english": True, "cues": []}, text="what are your opening hours?")
    assert calm["escalate"] is False and calm["trigger"] is None
    loss = line_record(2, {"intensity": 0.3, "is_english": True, "cues": []},
                       text="my husband passed away and I need to claim on his life cover")
    assert loss["escalate"] is True and loss["trigger"] == "vulnerability" and loss["priority"] == "urgent"
    furious = line_record(3, {"intensity": 0.95, "is_english": True, "cues": []}, text="THIS IS A JOKE")
    assert furious["trigger"] == "high_intensity"
