"""The data dictionary: every table, column and scenario parameter of the published data format.

This module is data. Loading, validation, the XLSX template and ``docs/data-format.md`` are all
driven by it, so a column is added or described here and nowhere else.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from pydantic.fields import FieldInfo

from budgetopt.scenario.params import Scenario

ColumnType = Literal["id", "str", "int", "float", "bool"]
ParameterKind = Literal["str", "float", "int", "bool", "choice", "share_map"]

LANGUAGES = ("en", "nl")


@dataclass(frozen=True)
class Bounds:
    """An interval of allowed numbers; ``None`` ends are open to infinity."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval."""
        if self.lo is not None and (value < self.lo or (self.lo_open and value == self.lo)):
            return False
        return not (
            self.hi is not None and (value > self.hi or (self.hi_open and value == self.hi))
        )

    @property
    def is_non_negative(self) -> bool:
        """Whether the bounds are exactly ``≥ 0`` (a violation is reported as *negative*)."""
        return self.lo == 0 and not self.lo_open and self.hi is None

    @property
    def empty(self) -> bool:
        """Whether the bounds allow any number."""
        return self.lo is None and self.hi is None

    def text(self) -> str:
        """Language-neutral notation, e.g. ``≥ 0``, ``> -1``, ``in [0, 1)``."""
        if self.lo is not None and self.hi is not None:
            left = "(" if self.lo_open else "["
            right = ")" if self.hi_open else "]"
            return f"in {left}{_num(self.lo)}, {_num(self.hi)}{right}"
        if self.lo is not None:
            return f"{'>' if self.lo_open else '≥'} {_num(self.lo)}"
        if self.hi is not None:
            return f"{'<' if self.hi_open else '≤'} {_num(self.hi)}"
        return ""


NON_NEGATIVE = Bounds(lo=0)
UNIT_INTERVAL = Bounds(lo=0, hi=1)
POSITIVE_LEVEL = Bounds(lo=1)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``default`` fills blank cells of an optional column (``None``: left blank, i.e. NaN).
    ``references`` names the ``table.column`` a value must appear in.
    """

    name: str
    type: ColumnType
    description: dict[str, str]
    unit: str = "-"
    required: bool = True
    default: Any = None
    bounds: Bounds = Bounds()
    references: str | None = None

    @property
    def required_text(self) -> str:
        """``required`` or ``optional``."""
        return "required" if self.required else "optional"

    @property
    def default_text(self) -> str:
        """The default as written in a file (blank when there is none)."""
        return _format_default(self.default)


@dataclass(frozen=True)
class Table:
    """One table of an instance: a CSV file, an XLSX sheet or a JSON list of records."""

    name: str
    required: bool
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: dict[str, str]

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        """Column names in dictionary order."""
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Parameter:
    """One scenario parameter, read from the pydantic ``Scenario`` plus a unit and Dutch text."""

    name: str
    kind: ParameterKind
    unit: str
    default: Any
    bounds: Bounds
    description: dict[str, str]
    choices: tuple[str, ...] = ()

    @property
    def default_text(self) -> str:
        """The default as written in a file (blank: the parameter is off)."""
        return _format_default(self.default)


def _format_default(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return _num(value) if math.isfinite(value) else str(value)
    return str(value)


def _d(en: str, nl: str) -> dict[str, str]:
    return {"en": en, "nl": nl}


def _id(name: str, references: str | None, en: str, nl: str, *, required: bool = True) -> Column:
    return Column(name, "id", _d(en, nl), required=required, references=references)


def _level(en: str, nl: str) -> Column:
    return Column("level", "int", _d(en, nl), unit="level", bounds=POSITIVE_LEVEL,
                  references="levels.level")


_MUNI = "municipalities.municipality_id"
_NEED = "needs.need_id"
_PROV = "providers.provider_id"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "municipalities", True, ("municipality_id",),
            (
                _id("municipality_id", None, "Municipality code, e.g. GM0106.",
                    "Gemeentecode, bijv. GM0106."),
                Column("name", "str", _d("Name of the municipality.", "Naam van de gemeente.")),
                Column("youth_population", "float",
                       _d("Young people aged 0-17 living in the municipality.",
                          "Aantal jeugdigen van 0-17 jaar in de gemeente."),
                       unit="persons", bounds=NON_NEGATIVE),
                Column("budget_eur", "float",
                       _d("Own youth-care budget, or a budget share (any scale); used by "
                          "municipality_budget_tolerance.",
                          "Eigen jeugdzorgbudget, of een budgetaandeel (willekeurige schaal); "
                          "gebruikt door municipality_budget_tolerance."),
                       unit="EUR/yr", required=False, bounds=NON_NEGATIVE),
                Column("region", "id",
                       _d("Contract region of the municipality (price_overrides by region).",
                          "Contractregio waartoe de gemeente behoort (price_overrides per regio)."),
                       required=False),
                Column("quality_floor", "float",
                       _d("Minimum average quality for this municipality; overrides the "
                          "scenario's quality_floor.",
                          "Minimale gemiddelde kwaliteit voor deze gemeente; gaat voor de "
                          "quality_floor van het scenario."),
                       unit="0-1", required=False, bounds=UNIT_INTERVAL),
            ),
            _d("The municipalities (gemeenten) of the region.",
               "De gemeenten van de regio."),
        ),
        Table(
            "needs", True, ("need_id",),
            (
                _id("need_id", None, "Code of the support need, e.g. GGZ.",
                    "Code van de ondersteuningsbehoefte, bijv. GGZ."),
                Column("name", "str", _d("Name of the support need.",
                                         "Naam van de ondersteuningsbehoefte.")),
            ),
            _d("Support needs (care categories).", "Ondersteuningsbehoeften (zorgcategorieën)."),
        ),
        Table(
            "levels", True, ("level",),
            (
                Column("level", "int",
                       _d("Care-intensity level, 1 = lightest; higher is heavier.",
                          "Zorgniveau (intensiteit), 1 = lichtst; hoger is zwaarder."),
                       unit="level", bounds=POSITIVE_LEVEL),
                Column("code", "str", _d("Short code of the level, e.g. L3_AMB_SPEC.",
                                         "Korte code van het niveau, bijv. L3_AMB_SPEC.")),
                Column("name", "str", _d("Name of the level.", "Naam van het niveau.")),
                Column("out_of_home", "bool",
                       _d("Care at this level is out of home (verblijf).",
                          "Zorg op dit niveau is zorg met verblijf (uit huis).")),
                Column("residential", "bool",
                       _d("Care at this level is residential; implies out_of_home.",
                          "Zorg op dit niveau is residentieel; impliceert out_of_home.")),
            ),
            _d("Care-intensity levels, ordered light to heavy.",
               "Zorgniveaus, van licht naar zwaar."),
        ),
        Table(
            "providers", True, ("provider_id",),
            (
                _id("provider_id", None, "Code of the provider.", "Code van de aanbieder."),
                Column("name", "str", _d("Name of the provider.", "Naam van de aanbieder.")),
                Column("capacity_children", "float",
                       _d("Capacity over all offers; blank = unlimited.",
                          "Capaciteit over al het aanbod; leeg = onbeperkt."),
                       unit="child-years", required=False, bounds=NON_NEGATIVE),
                Column("alliance", "bool",
                       _d("Member of the alliance (its revenue floor applies).",
                          "Lid van de alliantie (de omzetvloer geldt)."),
                       required=False, default=False),
            ),
            _d("Youth-care providers (jeugdhulpaanbieders).", "Jeugdhulpaanbieders."),
        ),
        Table(
            "offers", True, ("provider_id", "need_id", "level"),
            (
                _id("provider_id", _PROV, "Provider delivering the offer.",
                    "Aanbieder die het aanbod levert."),
                _id("need_id", _NEED, "Support need served.", "Ondersteuningsbehoefte."),
                _level("Level at which the care is delivered.",
                       "Niveau waarop de zorg wordt geleverd."),
                Column("cost_eur", "float",
                       _d("List price per child-year.", "Lijstprijs per kindjaar."),
                       unit="EUR/child-year", bounds=NON_NEGATIVE),
                Column("quality", "float",
                       _d("Quality score of the offer (outcome indicators).",
                          "Kwaliteitsscore van het aanbod (uitkomstindicatoren)."),
                       unit="0-1", bounds=UNIT_INTERVAL),
                Column("capacity_children", "float",
                       _d("Capacity of this offer; blank = unlimited.",
                          "Capaciteit van dit aanbod; leeg = onbeperkt."),
                       unit="child-years", required=False, bounds=NON_NEGATIVE),
            ),
            _d("What each provider delivers: need x level, with price and quality.",
               "Wat elke aanbieder levert: behoefte x niveau, met prijs en kwaliteit."),
        ),
        Table(
            "access", False, ("municipality_id", "provider_id"),
            (
                _id("municipality_id", _MUNI, "Municipality.", "Gemeente."),
                _id("provider_id", _PROV, "Provider contracted for or reachable from it.",
                    "Aanbieder die voor de gemeente gecontracteerd of bereikbaar is."),
            ),
            _d("Which provider serves which municipality; absent or empty: every provider "
               "serves every municipality.",
               "Welke aanbieder welke gemeente bedient; ontbreekt of leeg: elke aanbieder "
               "bedient elke gemeente."),
        ),
        Table(
            "demand", True, ("municipality_id", "need_id", "level"),
            (
                _id("municipality_id", _MUNI, "Municipality.", "Gemeente."),
                _id("need_id", _NEED, "Support need.", "Ondersteuningsbehoefte."),
                _level("Indicated level.", "Geïndiceerd niveau."),
                Column("children", "float",
                       _d("Children indicated at this level (baseline year).",
                          "Kinderen met een indicatie op dit niveau (basisjaar)."),
                       unit="child-years", bounds=NON_NEGATIVE),
            ),
            _d("Demand: children per municipality, need and indicated level.",
               "Vraag: kinderen per gemeente, behoefte en geïndiceerd niveau."),
        ),
        Table(
            "baseline", False, ("municipality_id", "need_id", "level", "provider_id"),
            (
                _id("municipality_id", _MUNI, "Municipality.", "Gemeente."),
                _id("need_id", _NEED, "Support need.", "Ondersteuningsbehoefte."),
                _level("Indicated level, served at that level today.",
                       "Geïndiceerd niveau, vandaag op dat niveau geholpen."),
                _id("provider_id", _PROV, "Provider serving these children today.",
                    "Aanbieder die deze kinderen vandaag helpt."),
                Column("children", "float",
                       _d("Children served today; per (municipality, need, level) the total "
                          "equals demand.",
                          "Kinderen die vandaag geholpen worden; per (gemeente, behoefte, niveau) "
                          "gelijk aan de vraag."),
                       unit="child-years", bounds=NON_NEGATIVE),
            ),
            _d("Today's allocation, the comparison point (needed by budget_cut, continuity "
               "and alliance).",
               "De huidige verdeling, het vergelijkingspunt (nodig voor budget_cut, continuïteit "
               "en alliantie)."),
        ),
        Table(
            "price_overrides", False, ("provider_id", "need_id", "level", "municipality_id",
                                       "region"),
            (
                _id("provider_id", _PROV, "Provider.", "Aanbieder."),
                _id("need_id", _NEED, "Support need.", "Ondersteuningsbehoefte."),
                _level("Level of the offer.", "Niveau van het aanbod."),
                Column("cost_eur", "float",
                       _d("Contract price per child-year.", "Contractprijs per kindjaar."),
                       unit="EUR/child-year", bounds=NON_NEGATIVE),
                _id("municipality_id", _MUNI,
                    "Municipality the price holds for; give this or region.",
                    "Gemeente waarvoor de prijs geldt; vul dit of region in.", required=False),
                Column("region", "id",
                       _d("Contract region the price holds for; give this or municipality_id.",
                          "Contractregio waarvoor de prijs geldt; vul dit of municipality_id in."),
                       required=False, references="municipalities.region"),
            ),
            _d("Contract prices that differ from the list price, per municipality or region; "
               "a municipality row wins over a region row.",
               "Contractprijzen die afwijken van de lijstprijs, per gemeente of regio; een "
               "gemeenterij gaat voor een regiorij."),
        ),
    )
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
REQUIRED_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if t.required)

SCENARIO_TABLE = "scenario"
SCALARS_SHEET = "_scalars"
DICTIONARY_SHEET = "_dictionary"

# unit and Dutch description of every Scenario field; English comes from the pydantic field
_PARAMETER_TEXT: dict[str, tuple[str, str]] = {
    "name": ("-", "Korte naam van het scenario."),
    "description": ("-", "Wat dit scenario onderzoekt."),
    "budget_eur": ("EUR/yr", "Regionaal budget [EUR/jaar]; sluit budget_cut uit."),
    "budget_cut": ("fraction",
                   "Budget als bezuiniging op de kosten van de uitgangssituatie [fractie]."),
    "objective": ("-", "min_cost, max_quality of min_disruption (zo min mogelijk kinderen "
                       "verplaatst of lichter geholpen)."),
    "demand_growth": ("fraction", "Groei van elke vraagcel ten opzichte van het basisjaar "
                                  "[fractie]."),
    "price_index": ("-", "Vermenigvuldiger op elke prijs [-]."),
    "step_down_share": ("fraction", "Aandeel van de kinderen met een indicatie op een niveau dat "
                                    "lichter geholpen mag worden [fractie]; één getal of één per "
                                    "geïndiceerd niveau (step_down_share.3 = 0.2)."),
    "max_step_down_levels": ("levels", "Hoeveel niveaus lichter een kind geholpen mag worden "
                                       "[niveaus]."),
    "quality_floor": ("0-1", "Minimale gemiddelde kwaliteit van zorg per gemeente [0-1]."),
    "continuity_max_moved_share": ("fraction", "Kinderen die van aanbieder wisselen: hoogstens "
                                               "dit aandeel per gemeente."),
    "alliance_revenue_floor": ("fraction", "Alliantie-aanbieders houden minstens (1 - dit) van "
                                           "hun omzet in de uitgangssituatie."),
    "out_of_home_max_share": ("fraction", "Kinderen in zorg met verblijf (uit huis): hoogstens "
                                          "dit aandeel per gemeente."),
    "residential_max_share_of_out_of_home": ("fraction", "Residentiële zorg: hoogstens dit "
                                                         "aandeel van de zorg met verblijf per "
                                                         "gemeente."),
    "max_provider_share": ("fraction", "Geen aanbieder levert meer dan dit aandeel van het "
                                       "volume van een ondersteuningsbehoefte."),
    "municipality_budget_tolerance": ("fraction", "De kosten van elke gemeente hoogstens "
                                                  "(1 + dit) x haar budgetaandeel [fractie]."),
    "enforce_capacity": ("-", "Houd rekening met de capaciteit van aanbieders en aanbod."),
    "allow_waiting_list": ("-", "Sta niet-geholpen kinderen (een wachtlijst) toe, tegen een "
                                "boete."),
    "waiting_list_penalty_eur": ("EUR/child-year", "Boete per niet-geholpen kindjaar in min_cost "
                                                   "[EUR]."),
    "max_providers_per_need": ("count", "Inkoop: hoogstens zoveel gecontracteerde aanbieders per "
                                        "ondersteuningsbehoefte [aantal]."),
    "min_contract_children": ("child-years", "Inkoop: minimaal volume van een gecontracteerd "
                                             "perceel [kindjaren]."),
    "contract_cost_eur": ("EUR/yr", "Inkoop: vaste contract- en administratiekosten per perceel "
                                    "[EUR/jaar]."),
    "time_limit_s": ("s", "Tijdslimiet van de solver [s]."),
    "mip_gap": ("fraction", "Relatieve MIP-gap waarbij de solver stopt [fractie]."),
}


def _members(annotation: Any) -> list[Any]:
    """The non-None members of a (possibly Optional/Union) annotation, Annotated kept."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _strip_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        metadata: list[Any] = []
        for item in extra:
            metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        return base, metadata
    return annotation, []


def _kind(annotation: Any) -> tuple[ParameterKind, tuple[str, ...]]:
    members = [_strip_annotated(a)[0] for a in _members(annotation)]
    if any(typing.get_origin(m) is dict for m in members):
        return "share_map", ()
    base = members[0]
    if isinstance(base, type) and issubclass(base, Enum):
        return "choice", tuple(str(m.value) for m in base)
    simple: dict[Any, ParameterKind] = {bool: "bool", int: "int", float: "float", str: "str"}
    return simple[base], ()


def _bounds(field: FieldInfo) -> Bounds:
    metadata = list(field.metadata)
    for member in _members(field.annotation):
        metadata.extend(_strip_annotated(member)[1])
    lo = hi = None
    lo_open = hi_open = False
    for item in metadata:
        if getattr(item, "ge", None) is not None:
            lo, lo_open = float(item.ge), False
        elif getattr(item, "gt", None) is not None:
            lo, lo_open = float(item.gt), True
        if getattr(item, "le", None) is not None:
            hi, hi_open = float(item.le), False
        elif getattr(item, "lt", None) is not None:
            hi, hi_open = float(item.lt), True
    return Bounds(lo, hi, lo_open, hi_open)


def _parameter(name: str, field: FieldInfo) -> Parameter:
    kind, choices = _kind(field.annotation)
    unit, nl = _PARAMETER_TEXT.get(name, ("-", field.description or ""))
    bounds = UNIT_INTERVAL if kind == "share_map" else _bounds(field)
    return Parameter(
        name=name,
        kind=kind,
        unit=unit,
        default=field.default,
        bounds=bounds,
        description=_d(field.description or "", nl),
        choices=choices,
    )


PARAMETERS: dict[str, Parameter] = {
    name: _parameter(name, field) for name, field in Scenario.model_fields.items()
}
DUTCH_PARAMETER_TEXT = frozenset(_PARAMETER_TEXT)

FILE_FORMATS: dict[str, dict[str, str]] = {
    "csv": _d(
        "A folder with one `<table>.csv` per table and an optional `scenario.toml`. "
        "Separator `,` or `;`; decimal point or decimal comma (`1.234,56`, `0,75`); UTF-8 "
        "(with or without BOM) or Windows-1252.",
        "Een map met één `<tabel>.csv` per tabel en een optionele `scenario.toml`. "
        "Scheidingsteken `,` of `;`; decimale punt of komma (`1.234,56`, `0,75`); UTF-8 "
        "(met of zonder BOM) of Windows-1252.",
    ),
    "xlsx": _d(
        "One workbook with a sheet per table (sheet name = table name, header in row 1) and the "
        "scenario in a `_scalars` sheet with columns `parameter` and `value`.",
        "Eén werkmap met een blad per tabel (bladnaam = tabelnaam, kopregel in rij 1) en het "
        "scenario in een blad `_scalars` met de kolommen `parameter` en `value`.",
    ),
    "json": _d(
        'One document `{"tables": {"<table>": [{...}, ...]}, "scenario": {...}}`.',
        'Eén document `{"tables": {"<tabel>": [{...}, ...]}, "scenario": {...}}`.',
    ),
}

BOOLEAN_WORDS: dict[str, bool] = {
    "true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
    "ja": True, "nee": False, "waar": True, "onwaar": False,
}
