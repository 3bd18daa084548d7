"""The Mesa front end: ``PeerGroupModel``, one group, one run, week by week.

It runs the same kernel as the batch engine on a batch of one, so for the same seed and run it
gives exactly the batch engine's results (tests/test_model.py proves it). ``model.step()`` is one
week; ``model.running`` turns false after the follow-up.

    m = PeerGroupModel(rng=7, run=0, group_size=10)
    m.run_model()
    m.participants_frame()     # == simulate(Params(group_size=10), runs=1, seed=7).participants

The members live on a Mesa network, ``model.grid`` (also ``model.network``), a
``mesa.discrete_space.Network`` whose node ``m`` is member ``m`` (participants 0 to N-1, then the
facilitators N to N+F-1; ``agent.member == agent.unique_id``). Its networkx graph,
``model.grid.G``, has an edge wherever there is a tie, with ``weight`` the tie's strength, renewed
every week:

- between participants i and j: the mean of i's tie to j and j's tie to i (the kernel keeps both
  directions, ``model.kernel.state.ties[0]``, shape (N, N+F));
- between participant i and facilitator f: i's tie to f (the kernel keeps no tie from a
  facilitator, and none between facilitators).

So Mesa's tools work on the group: ``agent.cell.neighborhood`` (those this member has a tie with),
SolaraViz's network drawing, and networkx (``nx.clustering(model.grid.G, weight="weight")``).

Mesa's conventions, and where this model stands:

- Data collection: the model's own ``model.datacollector`` collects once when the model is made
  (week 0) and once at the end of every ``step()``, as Mesa's examples do, so a course of 10
  sessions and 26 follow-up weeks gives 37 rows. A subclass or a script with a DataCollector of
  its own passes ``collect=False``: the model then makes none and collects nothing, and theirs
  is collected once per step, by them.
- Participants who leave the course stay in ``model.agents`` (their outcomes are followed to the
  end, as an intention-to-treat analysis needs) and are marked: ``agent.dropped_out`` is True and
  ``agent.present`` False from the session they left. From then on they are off the network: the
  graph keeps their node but no edge (the kernel keeps their fading ties, which the teaching
  figures draw).
- ``model.running`` is False once the follow-up is over; ``step()`` after that does nothing, and
  ``model.steps`` stays at the course's weeks (``model.time``, Mesa's event clock, still moves).
"""

from __future__ import annotations

from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from peersim.core.kernel import Kernel
from peersim.core.params import Params
from peersim.core.population import sized_for, validate_population
from peersim.core.tables import participants_table
from peersim.mesa.agents import Facilitator, Participant


class PeerGroupModel(mesa.Model):
    """One PEER group. Parameters: ``params`` and/or any Params field as a keyword.

    ``rng`` is the seed (an int; Mesa 3.5's name for it), ``run`` picks which run of that seed
    this group is, so ``PeerGroupModel(rng=7, run=42)`` is run 42 of ``simulate(seed=7)``.
    ``scenario`` is accepted and ignored: Mesa's SolaraViz passes an empty one when it resets a
    model; peersim's scenario is its Params. ``collect=False``: no DataCollector of the model's
    own (``model.datacollector`` is None), for a subclass that collects its own.
    """

    def __init__(
        self,
        params: Params | None = None,
        rng: int | None = None,
        run: int = 0,
        population=None,
        scenario: Any = None,
        collect: bool = True,
        **overrides: Any,
    ) -> None:
        if "seed" in overrides:
            raise ValueError("PeerGroupModel takes the seed as rng= (Mesa 3.5's name), not seed=")
        super().__init__(rng=rng)
        params = params if params is not None else Params()
        if overrides:
            params = params.replace(**overrides)
        population = validate_population(population, params)
        params = sized_for(params, population)
        if isinstance(run, bool) or not isinstance(run, int | np.integer) or run < 0:
            raise ValueError(f"run = {run!r} must be a whole number >= 0")
        # An int rng is the seed; otherwise Mesa has drawn one (self._seed) from the rng it got.
        self.seed = int(rng) if isinstance(rng, int | np.integer) else int(self._seed)
        self.run = int(run)
        self.params = params
        self.kernel = Kernel(params, self.seed, np.array([self.run]), population, record_ties=True)
        n, f = params.group_size, params.n_facilitators
        graph = nx.Graph()
        graph.add_nodes_from(range(n + f))
        self.grid = Network(graph, random=self.random, layout=member_layout(n, f))
        self.agent_id_counter = 0  # Mesa counts from 1; from 0, unique_id == member number
        for i in range(n):
            Participant(self, i)
        for i in range(f):
            Facilitator(self, i)
        self._update_network()
        self.datacollector: mesa.DataCollector | None = None
        if collect:
            self._make_datacollector()

    def _make_datacollector(self) -> None:
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "week": lambda m: m.week,
                "n_present": lambda m: int(m.kernel.state.present.sum()),
                "n_shared": lambda m: int(m.kernel.state.shared[0, : m.params.group_size].sum()),
                "n_dropouts": lambda m: int(m.kernel.state.dropped.sum()),
                "mishandled": lambda m: bool(m.kernel.state.mishandled[0]),
                "mean_safety": lambda m: float(m.kernel.state.safety.mean()),
                "mean_connectedness": lambda m: float(m.kernel.state.connectedness.mean()),
                "mean_hope": lambda m: float(m.kernel.state.hope.mean()),
                "mean_self_image": lambda m: float(m.kernel.state.self_image.mean()),
                "mean_recovery": lambda m: float(m.kernel.state.recovery().mean()),
            },
            agenttype_reporters={
                Participant: {
                    "member": "index",
                    "present": "present",
                    "shared": "shared",
                    "dropped_out": "dropped_out",
                    "safety": "safety",
                    "connectedness": "connectedness",
                    "hope": "hope",
                    "self_image": "self_image",
                    "self_efficacy": "self_efficacy",
                    "meaning": "meaning",
                    "loneliness": "loneliness",
                    "recovery": "recovery",
                    "sprouts": "sprouts",
                    "realised_changes": "realised_changes",
                }
            },
        )
        self.datacollector.collect(self)

    @property
    def network(self) -> Network:
        """The group's network (the same object as ``model.grid``, Mesa's name for a space)."""
        return self.grid

    def tie_weights(self) -> np.ndarray:
        """(N+F, N+F) symmetric edge weights from the kernel's ties (see the module docstring)."""
        ties = self.kernel.state.ties[0].astype(np.float64)
        n = self.params.group_size
        weights = np.zeros((ties.shape[1], ties.shape[1]))
        weights[:n, :n] = (ties[:, :n] + ties[:, :n].T) / 2
        weights[:n, n:] = ties[:, n:]
        weights[n:, :n] = ties[:, n:].T
        return weights

    def _update_network(self) -> None:
        """Make the graph's edges and weights this week's ties."""
        weights = self.tie_weights()
        left = np.flatnonzero(self.kernel.state.dropped[0])  # leavers are off the network
        weights[left, :] = 0.0
        weights[:, left] = 0.0
        graph, changed = self.grid.G, False
        for i, j in zip(*np.triu_indices(len(weights), k=1), strict=True):
            i, j, weight = int(i), int(j), float(weights[i, j])
            if weight > 0:
                if not graph.has_edge(i, j):
                    self.grid.add_connection(self.grid[i], self.grid[j])
                    changed = True
                graph.edges[i, j]["weight"] = weight
            elif graph.has_edge(i, j):
                self.grid.remove_connection(self.grid[i], self.grid[j])
                changed = True
        if changed:  # Mesa clears only the touched cells' neighbourhood caches; radius > 1 needs all
            for cell in self.grid.all_cells:
                cell._clear_cache()

    @property
    def week(self) -> int:
        return self.kernel.state.week

    @property
    def participants(self) -> list[Participant]:
        return sorted(self.agents_by_type[Participant], key=lambda a: a.member)

    @property
    def facilitators(self) -> list[Facilitator]:
        return sorted(self.agents_by_type[Facilitator], key=lambda a: a.index)

    def step(self) -> None:
        """One week: a session during the course, a week of follow-up after it."""
        if self.kernel.done:
            # Mesa counted this call in model.steps before calling us; the course is over, so
            # it is not a step of the course. (Mesa's event clock, model.time, is left alone: its
            # scheduler reschedules the next step from it, and moving it back loops for ever.)
            self.running = False
            self.steps -= 1
            return
        self.kernel.step()
        self._update_network()
        if self.datacollector is not None:
            self.datacollector.collect(self)
        self.running = not self.kernel.done

    def participants_frame(self) -> pd.DataFrame:
        """This run's participants, with the same columns (and values) as ``simulate``'s table."""
        return participants_table(self.kernel)


def member_layout(n: int, f: int) -> dict[int, tuple[float, float]]:
    """Node positions: the members on a circle, as the teaching figures draw the group."""
    angles = np.pi / 2 - 2 * np.pi * np.arange(n + f) / (n + f)
    return {m: (float(np.cos(a)), float(np.sin(a))) for m, a in enumerate(angles)}
