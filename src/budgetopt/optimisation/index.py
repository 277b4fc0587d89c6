"""Integer codes for the instance's ids, and sorted-key look-ups: joins without string merges."""

from __future__ import annotations

import numpy as np
import pandas as pd

from budgetopt.scenario.instance import Instance

M, N, P = "municipality_id", "need_id", "provider_id"


class IdIndex:
    """Codes 0.. for municipalities, needs, providers, levels and regions of one instance."""

    def __init__(self, instance: Instance) -> None:
        munis = instance["municipalities"]
        self.municipalities = pd.Index(munis[M].to_numpy(object))
        self.needs = pd.Index(instance["needs"][N].to_numpy(object))
        self.providers = pd.Index(instance["providers"][P].to_numpy(object))
        self.levels = np.sort(instance["levels"]["level"].to_numpy(np.int64))
        region = munis["region"] if "region" in munis else pd.Series(np.nan, index=munis.index)
        present = region.dropna()
        self.regions = pd.Index(pd.unique(present.to_numpy(object)))
        self.region_of_municipality = self.regions.get_indexer(region.to_numpy(object))
        self.region_of_municipality[region.isna().to_numpy()] = -1

    def m(self, values: pd.Series) -> np.ndarray:
        """Municipality codes of ``values``."""
        return self.municipalities.get_indexer(values.to_numpy(object)).astype(np.int64)

    def n(self, values: pd.Series) -> np.ndarray:
        """Need codes of ``values``."""
        return self.needs.get_indexer(values.to_numpy(object)).astype(np.int64)

    def p(self, values: pd.Series) -> np.ndarray:
        """Provider codes of ``values``."""
        return self.providers.get_indexer(values.to_numpy(object)).astype(np.int64)

    def level(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Level positions (0 = lightest) of level values."""
        return np.searchsorted(self.levels, np.asarray(values, dtype=np.int64)).astype(np.int64)

    def offer_key(self, p: np.ndarray, n: np.ndarray, level_pos: np.ndarray) -> np.ndarray:
        """One int64 per (provider, need, level)."""
        return (p * len(self.needs) + n) * len(self.levels) + level_pos


def lookup(table_keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of ``table_keys`` holding each wanted key, or -1 (the last row wins on duplicates)."""
    if len(table_keys) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(table_keys, kind="stable")
    ordered = table_keys[order]
    pos = np.searchsorted(ordered, wanted, side="right") - 1
    pos_clipped = np.clip(pos, 0, len(ordered) - 1)
    hit = (pos >= 0) & (ordered[pos_clipped] == wanted)
    return np.where(hit, order[pos_clipped], -1)


def expand(groups: np.ndarray, member_group: np.ndarray, members: np.ndarray,
           n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair every item with every member of its group (a one-to-many join on an int key).

    Returns (item index, member) for each pair, grouped by item.
    """
    order = np.argsort(member_group, kind="stable")
    sorted_members = members[order]
    counts = np.bincount(member_group, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    per_item = counts[groups]
    item = np.repeat(np.arange(len(groups)), per_item)
    offset = np.arange(per_item.sum()) - np.repeat(np.cumsum(per_item) - per_item, per_item)
    return item, sorted_members[starts[groups][item] + offset]
