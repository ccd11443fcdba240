"""Networks and hardware configs from Python, against the file format and the command line."""

import json
import zipfile

import numpy as np
import pytest

import lutsim


def test_load_exposes_graph_values_and_params(lenet_trace):
    path, _ = lenet_trace
    net = lutsim.Network.load(path)
    with zipfile.ZipFile(path) as z:
        graph = json.loads(z.read("graph.json"))
        members = [n for n in z.namelist() if n.endswith(".npy")]
    assert net.graph == graph
    assert sorted(net.params) == sorted(m[:-4] for m in members)
    assert [l.name for l in net.layers] == [l["name"] for l in graph["layers"]]
    conv = next(l for l in net.layers if l.op == "conv2d")
    # The member arrays as numpy.load reads them from the file itself.
    with np.load(path) as z:
        np.testing.assert_array_equal(conv.params["weights"], z[conv.name + ".weights"])
        assert conv.params["weights"].dtype == np.uint8
    assert net.input == lutsim.Value(graph["values"][0]["name"], "u8", tuple(graph["values"][0]["shape"]),
                                     graph["values"][0]["exponent"])


def test_save_round_trips_to_the_same_bytes(lenet_trace, tmp_path):
    path, _ = lenet_trace
    net = lutsim.Network.load(path)
    out = tmp_path / "copy.npz"
    net.save(out)
    assert out.read_bytes() == net.to_bytes()
    assert lutsim.Network.load(out).to_bytes() == net.to_bytes()


def test_from_graph_builds_the_same_network(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    again = lutsim.Network.from_graph(net.graph, net.params)
    assert again.to_bytes() == net.to_bytes()


def test_from_graph_validates_as_the_file_loader_does(lenet_trace, tmp_path, cli):
    net = lutsim.Network.load(lenet_trace[0])
    graph = json.loads(json.dumps(net.graph))
    graph["layers"][0]["weight_bits"] = 5
    with pytest.raises(lutsim.Error) as e:
        lutsim.Network.from_graph(graph, net.params, source="bad.npz")
    # The same network as a file: the command line's message is the same after the file name.
    bad = tmp_path / "bad.npz"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("graph.json", json.dumps(graph))
        for k, a in net.params.items():
            import io
            b = io.BytesIO()
            np.save(b, a)
            z.writestr(k + ".npy", b.getvalue())
    r = cli("info", bad, check=False)
    assert r.returncode == 1
    cli_msg = r.stderr.strip().removeprefix("lutsim: error: ")
    assert str(e.value).replace("bad.npz", str(bad)) == cli_msg


def test_from_graph_rejects_a_parameter_that_is_not_an_array(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    params = dict(net.params)
    params[next(iter(params))] = [1, 2, 3]
    with pytest.raises(TypeError, match="expected a numpy.ndarray, got list"):
        lutsim.Network.from_graph(net.graph, params)


def test_info_matches_the_command_line(lenet_trace, cli):
    net = lutsim.Network.load(lenet_trace[0])
    info = net.info()
    out = cli("info", lenet_trace[0]).stdout
    assert f"total: {info['macs']} MACs per image" in out
    assert f"{info['weight_bytes']} weight bytes, {info['parameters']} weights and biases" in out
    assert len(info["layers"]) == len(net.layers)
    # MACs of a dense layer by hand: inputs x outputs.
    dense = next(l for l in info["layers"] if l["op"] == "dense")
    i = dense["inputs"][0]
    assert dense["macs"] == i["h"] * i["w"] * i["c"] * dense["output"]["c"]


def test_corrupt_network_file_raises_lutsim_error(tmp_path):
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(lutsim.Error, match="corrupt.npz"):
        lutsim.Network.load(bad)
    assert issubclass(lutsim.Error, RuntimeError)


def test_hw_presets_fields_and_replace():
    assert {"default", "small", "large"} <= set(lutsim.hw_presets())
    hw = lutsim.HwConfig.load("small")
    assert (hw.rows, hw.cols) == (4, 4)
    big = hw.replace({"array.cols": 12}, array={"rows": 8}, name="8x12")
    assert (big.rows, big.cols, big.name) == (8, 12, "8x12")
    assert big.to_dict()["array"] == {"rows": 8, "cols": 12}
    assert hw.replace({"sram_kib.weight": 16}).weight_sram_bytes == 16 * 1024
    assert big.fingerprint != hw.fingerprint
    assert hw.replace().fingerprint == hw.fingerprint
    assert lutsim.HwConfig.from_dict(big.to_dict()) == big


def test_hw_replace_out_of_range_or_unknown_field_names_it():
    hw = lutsim.HwConfig.load("default")
    with pytest.raises(lutsim.Error, match="rows"):
        hw.replace({"array.rows": 0})
    with pytest.raises(lutsim.Error, match="unknown hardware parameter 'array.colums'"):
        hw.replace({"array.colums": 8})
    with pytest.raises(lutsim.Error, match="no-such-preset"):
        lutsim.HwConfig.load("no-such-preset")
    with pytest.raises(AttributeError, match="no field 'colums'"):
        hw.colums


def test_generate_equals_lutsim_gen(cli, tmp_path):
    net = lutsim.generate("mobilenetv2", input_size=32, weight_bits=2, lut="per-channel", shift="per-channel",
                          seed=5, width=0.5, classes=10)
    cli("gen", "--arch", "mobilenetv2", "--input-size", 32, "--weight-bits", 2, "--lut", "per-channel", "--shift",
        "per-channel", "--seed", 5, "--width", 0.5, "--classes", 10, "-o", tmp_path / "g.npz",
        "--sample-input", tmp_path / "x.npy", "--batch", 3)
    assert net.to_bytes() == (tmp_path / "g.npz").read_bytes()
    x = lutsim.random_input(net, 3, seed=5)
    np.testing.assert_array_equal(x, np.load(tmp_path / "x.npy"))
    assert x.shape == (3, 32, 32, 3) and net.info()["layers"][0]["lut"] == "per_channel"
    with pytest.raises(ValueError, match="arch: unknown architecture 'vgg'"):
        lutsim.generate("vgg")
    with pytest.raises(ValueError, match="lut: 'per-tensor'"):
        lutsim.generate("lenet5", lut="per-tensor")
    with pytest.raises(ValueError, match="weight"):
        lutsim.generate("lenet5", weight_bits=6)


def test_every_public_function_has_a_docstring():
    for name in lutsim.__all__:
        obj = getattr(lutsim, name)
        assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name
