"""The seed systems from Python: codecs, data validation, ML CI planning."""
import json
import subprocess

import numpy as np
import pytest

import tern
import tern.codec
from tern import ci, dv


def test_codec_names_include_3lc():
    assert "3lc" in tern.codec.names() and "none" in tern.codec.names()


def test_lossless_codec_round_trip_and_3lc_compresses():
    x = np.random.default_rng(0).standard_normal(10000).astype(np.float32)
    none = tern.codec.Codec("none")
    assert np.array_equal(none.decode(none.encode(x), x.size), x)
    c = tern.codec.Codec("3lc", {"s": "1.0"})
    stream = c.encode(x)
    assert len(stream) < x.nbytes / 8  # 3LC: well under 2 bits per value here
    y = c.decode(stream, x.size)
    assert y.shape == x.shape and np.all(np.isfinite(y))
    assert c.error_feedback
    # Error feedback: what was not sent is carried into the next encode.
    assert not np.array_equal(c.decode(c.encode(x), x.size), y)


def test_codec_errors_are_python_errors():
    with pytest.raises(ValueError, match="unknown codec"):
        tern.codec.Codec("nosuch")
    c = tern.codec.Codec("3lc")
    with pytest.raises(ValueError):
        c.decode(b"\x01\x02", 1000)


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "data.csv"
    rows = ["age,city,score"] + [f"{20 + i % 50},{['a', 'b', 'c'][i % 3]},{i * 0.5}" for i in range(300)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_dv_stats_infer_and_validate(csv_file, tmp_path):
    stats = dv.stats(str(csv_file))
    assert json.dumps(stats)  # plain Python values
    assert "age" in json.dumps(stats) and "city" in json.dumps(stats)
    schema = dv.infer_schema(str(csv_file))
    assert "feature" in schema and "city" in schema
    schema_path = tmp_path / "schema.pbtxt"
    schema_path.write_text(schema)
    clean = dv.validate(str(csv_file), str(schema_path))
    assert not clean["anomalies"], clean["anomalies"]
    bad = tmp_path / "bad.csv"
    bad.write_text("age,city,score\n30,zzz,1.0\n31,a,x\n")
    anomalies = dv.validate(str(bad), str(schema_path))["anomalies"]
    assert anomalies, "an unseen city and a non-numeric score must be anomalies"


def test_ci_samples_matches_the_cli():
    cond = "n - o > 0.02 +/- 0.01"
    plain = ci.samples(cond, reliability=0.999, steps=32)
    assert plain["hoeffding_labels"] == plain["optimised_labels"] > 0  # no bound on d: nothing to save
    got = ci.samples(cond, reliability=0.999, steps=32, d_bound=0.1)
    assert got["hoeffding_labels"] > 10 * got["optimised_labels"] > 0
    assert got["label_saving"] > 10
    import os
    tern_bin = os.path.join(os.environ.get("TERN_BUILD_DIR", "build"), "tools", "tern", "tern")
    if os.path.exists(tern_bin):
        out = subprocess.run([tern_bin, "ci", "samples", "--condition", cond, "--reliability", "0.999",
                              "--steps", "32", "--d-bound", "0.1", "--json"], capture_output=True, text=True, check=True)
        plans = json.loads(out.stdout)["plans"]
        assert [p["labels"] for p in plans] == [got["hoeffding_labels"], got["optimised_labels"]]
        assert [p["examples"] for p in plans] == [got["hoeffding_examples"], got["optimised_examples"]]
    with pytest.raises(ValueError):
        ci.samples("n - o >> 0.02")
