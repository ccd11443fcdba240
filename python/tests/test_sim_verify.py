"""compile, simulate and verify from Python against lutsim compile/disasm, sim and verify."""

import json
import os
import threading

import numpy as np
import pytest

import lutsim
from conftest import skip_under_asan


def test_compile_disassembly_and_counts_equal_the_command_line(lenet_trace, cli, tmp_path):
    path, _ = lenet_trace
    prog = lutsim.compile(lutsim.Network.load(path), "small")
    out = tmp_path / "p.lsp"
    cli("compile", path, "--hw", "small", "-o", out)
    assert prog.to_bytes() == out.read_bytes()
    listing = cli("disasm", out).stdout
    assert prog.disassembly() == listing
    counts = prog.instruction_counts()
    assert sum(counts.values()) == len(prog)
    # Count GEMMs in the listing independently of the program object.
    assert counts["GEMM"] == sum(1 for line in listing.splitlines() if " GEMM " in f" {line} ")
    assert prog.hw == lutsim.HwConfig.load("small")
    saved = tmp_path / "q.lsp"
    prog.save(saved)
    again = lutsim.Program.load(saved, hw="small")
    assert again.to_bytes() == prog.to_bytes()
    with pytest.raises(lutsim.Error, match="q.lsp"):
        lutsim.Program.load(saved, hw="default")


def sim_report_cli(cli, tmp_path, path, x, *args):
    xi, rep = tmp_path / "x.npy", tmp_path / "r.json"
    np.save(xi, x)
    cli("sim", path, "--input", xi, "--report", rep, "--quiet", *args)
    return json.loads(rep.read_text())


def test_simulate_equals_lutsim_sim(lenet_trace, cli, tmp_path):
    path, x = lenet_trace
    net = lutsim.Network.load(path)
    rep = lutsim.simulate(net, x[:2], hw="small", energy="45nm")
    ref = sim_report_cli(cli, tmp_path, path, x[:2], "--hw", "small", "--energy", "45nm")
    assert rep.to_dict() == ref
    assert rep.cycles == ref["total"]["cycles"] > 0
    assert rep.images == 2
    assert sum(l.cycles for l in rep.layers) == rep.cycles
    assert rep.dram_read_bytes == ref["total"]["counters"]["dram"]["read_bytes"]
    assert rep.energy_pj == pytest.approx(sum(rep.energy_components.values()))
    assert rep.energy_pj == ref["energy"]["total"]["pj"]
    assert 0 < rep.pe_utilization <= 1
    # The stall reasons summed over units, as the table prints them per unit.
    total = sum(sum(u["stall_reasons"].values()) for u in ref["total"]["units"].values())
    assert sum(rep.stalls.values()) == total
    np.testing.assert_array_equal(rep.output, lutsim.run(net, x[:2], hw="small"))


def test_simulate_a_program_and_write_its_outputs(lenet_trace, tmp_path):
    path, x = lenet_trace
    net = lutsim.Network.load(path)
    prog = lutsim.compile(net, "small")
    rep = lutsim.simulate(prog, x[0], timeline=True)
    assert rep.cycles == lutsim.simulate(net, x[:1], hw="small").cycles
    rep.write_timeline(tmp_path / "t.json")
    events = json.loads((tmp_path / "t.json").read_text())
    assert events["traceEvents"]
    rep.save(tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text()) == rep.to_dict()
    rep.write_html(tmp_path / "r.html")
    assert "<html" in (tmp_path / "r.html").read_text()[:200].lower()
    with pytest.raises(lutsim.Error, match="compiled for hw 'small'"):
        lutsim.simulate(prog, x[0], hw="default")
    with pytest.raises(lutsim.Error, match="no-such-energy"):
        lutsim.simulate(net, x[0], energy="no-such-energy")
    no_tl = lutsim.simulate(prog, x[0])
    with pytest.raises(ValueError, match="timeline=True"):
        no_tl.write_timeline(tmp_path / "t2.json")


@skip_under_asan
def test_a_failed_simulation_does_not_poison_the_next(lenet_trace):
    path, x = lenet_trace
    net = lutsim.Network.load(path)
    with pytest.raises(lutsim.Error, match="watchdog"):
        lutsim.simulate(net, x[:1], watchdog=1)
    assert lutsim.simulate(net, x[:1]).cycles > 0


def test_two_threads_simulate_at_once_with_the_same_results(lenet_trace, resnet_trace):
    nets = [(lutsim.Network.load(p), x[:1]) for p, x in (lenet_trace, resnet_trace)]
    alone = [lutsim.simulate(n, x).cycles for n, x in nets]
    got = [None, None]

    def work(i):
        got[i] = lutsim.simulate(*nets[i]).cycles

    ts = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert got == alone


def test_verify_equals_lutsim_verify(lenet_trace, cli, tmp_path):
    path, x = lenet_trace
    engines = [e for e in lutsim.engines() if e != "reference"]
    res = lutsim.verify(lutsim.Network.load(path), x, engines=engines, hw="small", image=1)
    xi, rep = tmp_path / "x.npy", tmp_path / "v.json"
    np.save(xi, x)
    r = cli("verify", path, "--input", xi, "--image", 1, "--hw", "small", "--engines", ",".join(engines),
            "--report", rep, check=False)
    assert res.to_dict() == json.loads(rep.read_text())
    assert res.passed == (r.returncode == 0) == bool(res)
    assert res.bit_exact and res.first_mismatch is None
    assert res.to_dict()["hazards"] == [] and res.to_dict()["hazards_checked"]
    assert res.text() == r.stdout
    assert [l.name for l in res.layers] == [l.name for l in lutsim.Network.load(path).layers]


def test_verify_names_the_first_divergence_of_an_injected_fault(lenet_trace, cli, tmp_path, monkeypatch):
    path, x = lenet_trace
    net = lutsim.Network.load(path)
    monkeypatch.setenv("LUTSIM_FAULT", "isa:0:3")
    res = lutsim.verify(net, x, engines=["golden", "isa"])
    assert not res.passed and not res.bit_exact
    m = res.first_mismatch
    assert m.first_engine == "isa" and m.layer_index >= 0
    assert m.values["golden"] != m.values["isa"]
    xi, rep = tmp_path / "x.npy", tmp_path / "v.json"
    np.save(xi, x)
    r = cli("verify", path, "--input", xi, "--engines", "golden,isa", "--report", rep, check=False,
            env={"LUTSIM_FAULT": "isa:0:3"})
    assert r.returncode == 1
    assert res.to_dict() == json.loads(rep.read_text())


def test_verify_bad_arguments(lenet_trace):
    net = lutsim.Network.load(lenet_trace[0])
    x = lenet_trace[1]
    with pytest.raises(ValueError, match="at least two engines"):
        lutsim.verify(net, x, engines=["golden"])
    with pytest.raises(ValueError, match="engine: 'nope'"):
        lutsim.verify(net, x, engines=["golden", "nope"])
    with pytest.raises(ValueError, match="image: 99 is outside the batch of 8 images"):
        lutsim.verify(net, x, engines=["golden", "isa"], image=99)


@skip_under_asan
def test_repeated_simulations_of_one_program_follow_each_calls_options(lenet_trace):
    # The calls of one program share a worker process: each call's own options must reach it.
    path, x = lenet_trace
    prog = lutsim.compile(lutsim.Network.load(path), "small")
    first = lutsim.simulate(prog, x[:2])
    with_tl = lutsim.simulate(prog, x[:2], timeline=True, energy="7nm")
    assert with_tl.cycles == first.cycles and with_tl.energy_pj is not None and first.energy_pj is None
    assert with_tl.to_dict()["energy"]["model"] == "7nm"
    with pytest.raises(lutsim.Error, match="watchdog"):
        lutsim.simulate(prog, x[:2], watchdog=1)
    again = lutsim.simulate(prog, x[:3])
    assert again.images == 3 and again.to_dict()["layers"][0]["cycles"] > 0
    np.testing.assert_array_equal(again.output[:2], first.output)
