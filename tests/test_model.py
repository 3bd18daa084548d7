"""The Mesa front end gives exactly the batch engine's results, and is a real Mesa model."""

from __future__ import annotations

import warnings

import mesa
import numpy as np
import pandas as pd
import pytest

import peersim
from peersim import Params, PeerGroupModel
from peersim.mesa.agents import Facilitator, Participant

SCENARIOS = [
    {},
    {"group_size": 5, "facilitator_role": "paid"},
    {"group_size": 12, "covid_restrictions": True, "setting": "mental_health_service"},
    {"n_sessions": 6, "follow_up_weeks": 3, "disabled_mechanisms": ("comparison", "safety")},
    {"control_arm": True, "follow_up_weeks": 2},
    {"facilitator_skill": 0.1, "group_rules": False, "anonymity": False, "n_facilitators": 1},
]


@pytest.mark.parametrize("overrides", SCENARIOS)
@pytest.mark.parametrize("seed", [0, 7, 123456])
def test_mesa_model_equals_batch_engine(overrides, seed):
    params = Params(**overrides)
    batch = peersim.simulate(params, runs=6, seed=seed, record="sessions")
    for run in (0, 5):
        model = PeerGroupModel(params=params, rng=seed, run=run)
        model.run_model()
        expected = batch.participants[batch.participants.run == run].reset_index(drop=True)
        pd.testing.assert_frame_equal(model.participants_frame(), expected)


def test_keyword_parameters_and_params_object_agree():
    a = PeerGroupModel(rng=3, run=2, group_size=6, facilitator_role="paid")
    b = PeerGroupModel(params=Params(group_size=6, facilitator_role="paid"), rng=3, run=2)
    a.run_model()
    b.run_model()
    pd.testing.assert_frame_equal(a.participants_frame(), b.participants_frame())


def test_agents_are_registered_and_expose_state():
    m = PeerGroupModel(rng=1)
    assert len(m.agents) == 10
    assert len(m.agents_by_type[Participant]) == 8 and len(m.agents_by_type[Facilitator]) == 2
    m.step()
    present = m.agents.select(agent_type=Participant).select(lambda a: a.present)
    assert len(present) == int(m.kernel.state.present.sum())
    hopes = m.agents_by_type[Participant].get("hope")
    np.testing.assert_allclose(sorted(hopes), sorted(m.kernel.state.hope[0]))
    p0 = m.participants[0]
    assert 0.0 <= p0.safety <= 1.0 and isinstance(p0.employed, bool)
    assert set(p0.fired) <= set(peersim.core.state.CHANNELS)
    assert "Session 1" in p0.explain()


def test_runs_week_by_week_and_stops():
    m = PeerGroupModel(rng=1, follow_up_weeks=2)
    steps = 0
    while m.running:
        m.step()
        steps += 1
    assert steps == 12 and m.week == 12 and not m.running
    dc = m.datacollector.get_model_vars_dataframe()
    assert len(dc) == 13 and dc["week"].tolist() == list(range(13))
    agents = m.datacollector.get_agenttype_vars_dataframe(Participant)
    assert len(agents) == 13 * 8


def test_no_deprecation_warnings_with_rng():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PeerGroupModel(rng=5).step()


def test_rng_none_draws_a_seed_and_records_it():
    m = PeerGroupModel(rng=None)
    again = PeerGroupModel(rng=m.seed)
    m.run_model()
    again.run_model()
    pd.testing.assert_frame_equal(m.participants_frame(), again.participants_frame())


def test_works_under_mesa_batch_run():
    rows = mesa.batch_run(
        PeerGroupModel,
        parameters={"group_size": [5, 7], "covid_restrictions": [False, True], "follow_up_weeks": 2},
        rng=[1, 2],
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    df = pd.DataFrame(rows)
    assert len(df) == 2 * 2 * 2 * 6  # 8 models, 5 or 7 participants each (mean 6)
    assert {"mean_hope", "n_dropouts", "hope", "dropped_out", "group_size", "rng"} <= set(df.columns)
    one = df[(df.group_size == 5) & (~df.covid_restrictions) & (df.rng == 2)]
    m = PeerGroupModel(rng=2, group_size=5, follow_up_weeks=2)
    m.run_model()
    np.testing.assert_allclose(np.sort(one.hope.to_numpy()), np.sort(m.kernel.state.hope[0]))


def test_bad_run_is_rejected():
    with pytest.raises(ValueError, match="run = -1"):
        PeerGroupModel(rng=1, run=-1)
    with pytest.raises(ValueError, match="unknown parameter 'grop_size'"):
        PeerGroupModel(rng=1, grop_size=3)


def test_plain_attribute_reporters_over_all_agents():
    """What Mesa's docs teach: one reporter by attribute name over every agent."""
    m = PeerGroupModel(rng=4, group_size=6, follow_up_weeks=1)
    dc = mesa.DataCollector(
        agent_reporters={"hope": "hope", "member": "member", "shared": "shared", "age": "age"}
    )
    dc.collect(m)
    m.run_model()
    dc.collect(m)
    df = dc.get_agent_vars_dataframe().reset_index()
    assert len(df) == 2 * (6 + 2)
    last = df[df.Step == df.Step.max()].set_index("AgentID")
    assert (last.index == last.member).all()  # unique_id is the member number
    np.testing.assert_allclose(last.hope.iloc[:6].to_numpy(), m.kernel.state.hope[0])
    assert last.hope.iloc[6:].isna().all() and last.age.iloc[6:].isna().all()  # facilitators: None
    assert last.shared.dtype == bool
    f = m.facilitators[0]
    assert f.hope is None and f.safety is None and f.recovery_stage == m.params.facilitator_recovery_stage
    assert f.member == 6 and f.unique_id == 6 and f.index == 0


def test_members_numbered_as_in_the_tables():
    m = PeerGroupModel(rng=2, group_size=5)
    assert [a.unique_id for a in m.participants] == [0, 1, 2, 3, 4] == [a.member for a in m.participants]
    assert [a.member for a in m.facilitators] == [5, 6]
    assert all(a.cell.coordinate == a.member for a in m.agents)
    m.run_model()
    frame = m.participants_frame()
    hope = {a.member: a.hope for a in m.participants}
    assert frame.member.tolist() == list(hope)


def test_network_edge_weights_are_the_kernels_ties_every_week():
    # the kernel's ties among those still in the course
    import networkx as nx

    m = PeerGroupModel(rng=11, group_size=7, follow_up_weeks=3)
    n, f = 7, 2
    assert m.network is m.grid and set(m.grid.G.nodes) == set(range(n + f))
    assert m.grid.G.number_of_edges() == 0  # nobody has met yet
    weeks_with_edges = 0
    while m.running:
        m.step()
        ties = m.kernel.state.ties[0].astype(np.float64)
        left = m.kernel.state.dropped[0]
        ties[left, :] = 0.0  # leavers are off the network (their ties fade in the kernel only)
        ties[:, :n][:, left] = 0.0
        expected = {}
        for i in range(n):
            for j in range(i + 1, n):
                expected[(i, j)] = (ties[i, j] + ties[j, i]) / 2
            for k in range(f):
                expected[(i, n + k)] = ties[i, n + k]
        graph = m.grid.G
        assert not any(graph.has_edge(n + a, n + b) for a in range(f) for b in range(f))
        for (i, j), weight in expected.items():
            if weight > 0:
                assert graph.edges[i, j]["weight"] == pytest.approx(weight, rel=1e-12, abs=0)
            else:
                assert not graph.has_edge(i, j)
        assert graph.number_of_edges() == sum(w > 0 for w in expected.values())
        # Mesa's neighbourhood follows the graph: a member's neighbours are those it has a tie with
        for agent in m.participants:
            neighbours = {a.member for a in agent.cell.neighborhood.agents}
            assert neighbours == set(graph.neighbors(agent.member)) == set(agent.ties)
        weeks_with_edges += graph.number_of_edges() > 0
    assert weeks_with_edges >= 5
    strength = dict(nx.degree(m.grid.G, weight="weight"))
    assert strength[0] == pytest.approx(sum(m.participants[0].ties.values()))


def test_mesa_draws_the_network():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from mesa.visualization.components import AgentPortrayalStyle
    from mesa.visualization.mpl_space_drawing import draw_space

    m = PeerGroupModel(rng=3, group_size=6)
    for _ in range(3):
        m.step()
    ax = Figure().subplots()

    def portrayal(agent):
        return AgentPortrayalStyle(color="tab:blue" if agent.kind == "participant" else "tab:orange", size=40)

    draw_space(m.grid, portrayal, ax=ax)
    assert len(ax.collections) >= 2  # the members and the ties


def test_mesa_conventions_leavers_collection_and_the_end():
    import mesa

    from peersim.mesa.agents import Participant

    m = PeerGroupModel(rng=3, run=1, group_size=10, covid_restrictions=True)
    m.run_model()
    weeks = m.params.n_sessions + m.params.follow_up_weeks
    assert not m.running and m.steps == weeks and m.week == weeks
    rows = len(m.datacollector.get_model_vars_dataframe())
    assert rows == weeks + 1  # made (week 0), then once per step
    # a step after the end does nothing, and is not counted
    m.step()
    assert m.steps == weeks and m.week == weeks and not m.running
    assert len(m.datacollector.get_model_vars_dataframe()) == rows
    # leavers stay agents, marked, and off the network
    left = [a for a in m.participants if a.dropped_out]
    assert left, "this seed's group has leavers"
    for agent in left:
        assert agent in m.agents and not agent.present
        assert m.grid.G.degree(agent.member) == 0 and not list(agent.cell.neighborhood.agents)
    stayed = [a for a in m.participants if not a.dropped_out]
    assert any(m.grid.G.degree(a.member) > 0 for a in stayed)

    class Own(PeerGroupModel):
        """A subclass with a DataCollector of its own (the issue's case: 73 rows for 36 steps)."""

        def __init__(self, **kwargs):
            super().__init__(collect=False, **kwargs)
            self.datacollector = mesa.DataCollector(agenttype_reporters={Participant: {"hope": "hope"}})

        def step(self):
            super().step()
            if self.running or self.week == weeks:
                self.datacollector.collect(self)

    own = Own(rng=3, run=1)
    own.run_model()
    collected = own.datacollector.get_agenttype_vars_dataframe(Participant)
    assert collected.index.get_level_values("Step").nunique() == weeks  # once per step, not twice
    assert PeerGroupModel(rng=3, collect=False).datacollector is None
