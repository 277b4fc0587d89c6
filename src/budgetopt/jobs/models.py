"""Live models kept by a worker process, so a re-run on the same dataset starts warm."""

from __future__ import annotations

from collections import OrderedDict

from budgetopt.optimisation.live import LiveModel
from budgetopt.optimisation.monitor import Monitor
from budgetopt.optimisation.status import SolveStatus
from budgetopt.results import Result
from budgetopt.scenario.instance import Instance

#: Live models a worker keeps (each holds one dataset's HiGHS model in memory).
DEFAULT_SIZE = 4


class LiveModels:
    """A least-recently-used set of :class:`LiveModel`, one per dataset (keyed by its SHA-256)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._models: OrderedDict[str, LiveModel] = OrderedDict()

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, key: str) -> bool:
        return key in self._models

    def solve(self, key: str, instance: Instance, monitor: Monitor) -> Result:
        """Solve ``instance`` (a scenario of the dataset ``key``) on that dataset's live model.

        A model whose solve raised or ended interrupted or in error is dropped, not kept.
        """
        live = self._models.pop(key, None)
        if live is None:
            live = LiveModel(instance)
            result = live.solve(monitor=monitor)
        else:
            result = live.solve(monitor=monitor, **instance.scenario.model_dump())
        if result.status not in (SolveStatus.INTERRUPTED, SolveStatus.ERROR) and self.size > 0:
            self._models[key] = live
            while len(self._models) > self.size:
                self._models.popitem(last=False)
        return result
