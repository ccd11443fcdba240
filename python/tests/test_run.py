"""lutsim.run against lutsim run: the same bits on every engine; bad input raises the documented exceptions."""

import numpy as np
import pytest

import lutsim


def cli_run(cli, tmp_path, net_path, x, *args):
    xi, yo = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(xi, x)
    cli("run", net_path, "--input", xi, "--output", yo, "--quiet", *args)
    return np.load(yo)


@pytest.mark.parametrize("engine", [e for e in lutsim.engines() if e != "rtl"])
def test_run_equals_the_command_line_on_every_engine(engine, lenet_trace, cli, tmp_path, src):
    path, x = lenet_trace
    net = lutsim.Network.load(path)
    y = lutsim.run(net, x[:4], engine=engine)
    np.testing.assert_array_equal(y, cli_run(cli, tmp_path, path, x[:4], "--engine", engine))
    # ... and the trace's expected output, computed when the trace was made.
    np.testing.assert_array_equal(y, np.load(src / "traces/lenet5_per_layer/expected_output.npy")[:4])


@pytest.mark.skipif("rtl" not in lutsim.engines(), reason="the RTL is not built")
def test_run_on_the_rtl_equals_the_golden_model(lenet_trace):
    path, x = lenet_trace
    net = lutsim.Network.load(path)
    np.testing.assert_array_equal(lutsim.run(net, x[:1], engine="rtl"), lutsim.run(net, x[:1]))


def test_hw_arithmetic_is_the_configs(src, cli, tmp_path):
    d = src / "traces/lenet5_8bit_acc16_half_even"
    net, x = lutsim.Network.load(d / "net.npz"), np.load(d / "input.npy")
    y = lutsim.run(net, x, hw=str(d / "hw.json"), threads=2)
    np.testing.assert_array_equal(y, np.load(d / "expected_output.npy"))
    np.testing.assert_array_equal(y, cli_run(cli, tmp_path, d / "net.npz", x, "--hw", d / "hw.json"))


def test_one_image_without_batch_dimension(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    x = lenet_trace[1]
    y1 = lutsim.run(net, x[0])
    assert y1.shape == net.output.shape
    np.testing.assert_array_equal(y1, lutsim.run(net, x[:1])[0])


def test_return_values_gives_every_value_by_name(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    x = lenet_trace[1][:2]
    y, values = lutsim.run(net, x, return_values=True)
    assert set(values) == {v.name for v in net.values}
    np.testing.assert_array_equal(values[net.output.name], y)
    np.testing.assert_array_equal(values[net.input.name], x)
    for v in net.values:
        assert values[v.name].shape == (2, *v.shape)
    # Every layer's output equals a run of the network cut after it? The isa engine reads the same values from its
    # DRAM image: they agree value by value.
    _, isa_values = lutsim.run(net, x, engine="isa", return_values=True)
    for name in values:
        np.testing.assert_array_equal(values[name], isa_values[name], err_msg=name)


def test_non_contiguous_input_is_copied(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    x = lenet_trace[1]
    strided = x[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(lutsim.run(net, strided), lutsim.run(net, np.ascontiguousarray(strided)))
    fortran = np.asfortranarray(x[0])
    np.testing.assert_array_equal(lutsim.run(net, fortran), lutsim.run(net, x[0]))


def test_output_is_not_copied_and_input_is_not_modified(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    x = lenet_trace[1].copy()
    before = x.copy()
    y = lutsim.run(net, x)
    np.testing.assert_array_equal(x, before)
    assert y.base is not None  # a view over the engine's tensor
    y2 = y.copy()
    del y
    assert y2.shape[0] == x.shape[0]


def test_wrong_dtype_is_a_type_error_naming_the_argument(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    with pytest.raises(TypeError, match=r"x: expected dtype uint8 .*got int8"):
        lutsim.run(net, lenet_trace[1].astype(np.int8))
    with pytest.raises(TypeError, match=r"x: expected dtype uint8 or int8 or int32 or float32, got float64"):
        lutsim.run(net, lenet_trace[1].astype(np.float64))
    with pytest.raises(TypeError, match="x: expected a numpy.ndarray"):
        lutsim.run(net, [[1, 2], [3, 4]])


def test_wrong_shape_is_a_value_error_with_expected_and_found(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    with pytest.raises(ValueError, match=r"input shape \[2, 28, 28, 1\] does not match .*\[N, 32, 32, 1\]"):
        lutsim.run(net, np.zeros((2, 28, 28, 1), np.uint8))
    with pytest.raises(ValueError, match="the input batch is empty"):
        lutsim.run(net, np.zeros((0, 32, 32, 1), np.uint8))


def test_unknown_engine_and_bad_arguments(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    x = lenet_trace[1][:1]
    with pytest.raises(ValueError, match="engine: 'gpu' is not one of golden, reference, isa"):
        lutsim.run(net, x, engine="gpu")
    with pytest.raises(ValueError, match=r"threads: 0 is outside \[1, 256\]"):
        lutsim.run(net, x, threads=0)
    with pytest.raises(TypeError, match="net: expected a lutsim.Network"):
        lutsim.run("net.npz", x)
    with pytest.raises(TypeError, match="hw: expected a preset name"):
        lutsim.run(net, x, hw=16)
