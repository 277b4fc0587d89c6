"""The scenario form: every lever of ``budgetopt.scenario.params.Scenario``, its label, unit and
grouping, read from form text and written back to it in the page's language.

Shares are entered as percentages (15 = 0.15), amounts in euros, times in seconds; numbers take a
decimal comma or point. A scenario stores only the levers that differ from its dataset's own scenario
(``None`` switches a lever off)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from budgetopt.scenario.dictionary import PARAMETERS
from budgetopt.scenario.params import Objective, Scenario
from budgetopt.web.pages.formatting import lang

Unit = Literal["percent", "eur", "number", "int", "seconds", "bool", "choice", "share_map"]
BUDGET_MODES = ("cut", "eur", "none")
SKIPPED = frozenset({"name", "description"})


@dataclass(frozen=True)
class Lever:
    """One input of the form: a ``Scenario`` field shown with ``label`` in ``unit``."""

    name: str
    label: Any
    unit: Unit
    group: str

    def help(self, language: str) -> str:
        """The field's description from the data dictionary, in ``language`` (without the file unit
        in brackets where the form shows its own: %, €, seconds)."""
        description = PARAMETERS[self.name].description
        text = description.get(language) or description["en"]
        if self.unit in SHOWN_UNITS:
            text = _BRACKETED_UNIT.sub("", text)
        return text


GROUPS: dict[str, Any] = {
    "budget": _l("Budget and objective"),
    "demand": _l("Demand and prices"),
    "step_down": _l("Serving children lighter than indicated"),
    "quality": _l("Quality and continuity of care"),
    "providers": _l("Providers and out-of-home care"),
    "capacity": _l("Capacity and waiting list"),
    "procurement": _l("Procurement"),
    "solver": _l("Solver"),
}

LEVERS: tuple[Lever, ...] = (
    Lever("budget_cut", _l("Budget cut on the baseline cost"), "percent", "budget"),
    Lever("budget_eur", _l("Regional budget"), "eur", "budget"),
    Lever("objective", _l("Objective"), "choice", "budget"),
    Lever("demand_growth", _l("Demand growth"), "percent", "demand"),
    Lever("price_index", _l("Price index"), "number", "demand"),
    Lever("step_down_share", _l("Share that may be served lighter"), "share_map", "step_down"),
    Lever("max_step_down_levels", _l("Levels lighter at most"), "int", "step_down"),
    Lever("quality_floor", _l("Quality floor per municipality"), "number", "quality"),
    Lever("continuity_max_moved_share", _l("Children moved to another provider, at most"), "percent",
          "quality"),
    Lever("alliance_revenue_floor", _l("Alliance providers' revenue loss, at most"), "percent", "providers"),
    Lever("out_of_home_max_share", _l("Out-of-home care, at most"), "percent", "providers"),
    Lever("residential_max_share_of_out_of_home", _l("Residential share of out-of-home care, at most"),
          "percent", "providers"),
    Lever("max_provider_share", _l("Share of one provider in a need, at most"), "percent", "providers"),
    Lever("municipality_budget_tolerance", _l("Municipality over its budget share, at most"), "percent",
          "providers"),
    Lever("enforce_capacity", _l("Respect provider capacity"), "bool", "capacity"),
    Lever("allow_waiting_list", _l("Allow a waiting list"), "bool", "capacity"),
    Lever("waiting_list_penalty_eur", _l("Penalty per child-year on the waiting list"), "eur", "capacity"),
    Lever("max_providers_per_need", _l("Contracted providers per need, at most"), "int", "procurement"),
    Lever("min_contract_children", _l("Minimum volume of a contracted lot"), "number", "procurement"),
    Lever("contract_cost_eur", _l("Fixed cost per contracted lot"), "eur", "procurement"),
    Lever("time_limit_s", _l("Time limit"), "seconds", "solver"),
    Lever("mip_gap", _l("Relative gap to stop at"), "percent", "solver"),
)
BY_NAME = {lever.name: lever for lever in LEVERS}

OBJECTIVES: dict[str, Any] = {
    Objective.MIN_DISRUPTION.value: _l("Change as little as possible for children"),
    Objective.MIN_COST.value: _l("Lowest cost"),
    Objective.MAX_QUALITY.value: _l("Highest quality of care"),
}
UNITS: dict[str, Any] = {
    "percent": _l("%"), "eur": _l("€ per year"), "seconds": _l("seconds"), "number": "", "int": "",
}

SHOWN_UNITS = frozenset({"percent", "share_map", "eur", "seconds"})
_BRACKETED_UNIT = re.compile(r"\s*\[[^\]]*\]")
_NL_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
_EN_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_NOISE = re.compile(r"[\s\u00a0\u202f€%]+")


class LeverError(ValueError):
    """Form text that is not a number."""


def parse_number(text: str, language: str) -> Decimal | None:
    """A number typed the Dutch or English way (``1.234,5``, ``0,15``, ``1,234.5``, ``0.15``);
    None for an empty field."""
    compact = _NOISE.sub("", text or "")
    if not compact:
        return None
    if _NL_GROUPED.match(compact) and (language == "nl" or "," in compact):
        compact = compact.replace(".", "").replace(",", ".")
    elif _EN_GROUPED.match(compact) and (language == "en" or "." in compact):
        compact = compact.replace(",", "")
    elif "," in compact and "." in compact:
        raise LeverError(compact)
    else:
        compact = compact.replace(",", ".")
    try:
        number = Decimal(compact)
    except InvalidOperation:
        raise LeverError(compact) from None
    if not number.is_finite():
        raise LeverError(compact)
    return number


def show_number(value: Any, unit: str, language: str) -> str:
    """A lever's value as form text (shares as percentages, no grouping, the page's decimal sign)."""
    if value is None:
        return ""
    number = Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value)
    if unit == "percent" or unit == "share_map":
        number *= 100
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "nl" else text


def _value(number: Decimal, unit: str) -> float | int:
    if unit in ("percent", "share_map"):
        return float(number / 100)
    if unit == "int":
        if number != number.to_integral_value():
            raise LeverError(str(number))
        return int(number)
    return float(number)


@dataclass
class FormState:
    """The form's text per input, the parameters read from it, and messages per input."""

    text: dict[str, str]
    parameters: dict[str, Any]
    errors: dict[str, str]


def form_text(values: Scenario, levels: list[tuple[int, str]], language: str) -> dict[str, str]:
    """Form text of every input for a scenario's values."""
    text: dict[str, str] = {}
    for lever in LEVERS:
        value = getattr(values, lever.name)
        if lever.unit == "bool":
            text[lever.name] = "on" if value else ""
        elif lever.unit == "choice":
            text[lever.name] = str(getattr(value, "value", value))
        elif lever.unit == "share_map":
            if isinstance(value, dict):
                text[lever.name] = ""
                for level, _code in levels:
                    text[f"{lever.name}.{level}"] = show_number(value.get(level), "percent", language)
            else:
                text[lever.name] = show_number(value, "percent", language)
        else:
            text[lever.name] = show_number(value, lever.unit, language)
    if values.budget_cut is not None:
        text["budget_mode"] = "cut"
    elif values.budget_eur is not None:
        text["budget_mode"] = "eur"
    else:
        text["budget_mode"] = "none"
    return text


def read_form(form: Mapping[str, str], base: Scenario, levels: list[tuple[int, str]],
              language: str) -> FormState:
    """The parameters a posted form sets (those differing from ``base``, the dataset's scenario),
    with a message per input that cannot be read or that the model refuses."""
    text = {key: str(value) for key, value in form.items()}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    mode = text.get("budget_mode", "none")
    if mode not in BUDGET_MODES:
        errors["budget_mode"] = str(_l("Choose how the budget is given."))
        mode = "none"
    for lever in LEVERS:
        name = lever.name
        try:
            if lever.unit == "bool":
                values[name] = name in form
            elif lever.unit == "choice":
                choice = text.get(name, "")
                if choice not in OBJECTIVES:
                    errors[name] = str(_l("Choose one of the options."))
                    continue
                values[name] = choice
            elif lever.unit == "share_map":
                per_level = {level: parse_number(text.get(f"{name}.{level}", ""), language)
                             for level, _code in levels}
                given = {level: _value(n, "percent") for level, n in per_level.items() if n is not None}
                number = parse_number(text.get(name, ""), language)
                if given and number is not None:
                    errors[name] = str(_l("Give one share for every level or shares per level, not both."))
                    continue
                values[name] = given or (None if number is None else _value(number, "percent"))
            else:
                number = parse_number(text.get(name, ""), language)
                values[name] = None if number is None else _value(number, lever.unit)
        except LeverError:
            errors[name] = str(_l("Enter a number, e.g. 12,5.") if language == "nl"
                               else _l("Enter a number, e.g. 12.5."))
    if mode != "cut":
        values["budget_cut"] = None
    if mode != "eur":
        values["budget_eur"] = None
    if mode == "cut" and values.get("budget_cut") is None and "budget_cut" not in errors:
        errors["budget_cut"] = str(_l("Enter the cut, or choose another way to give the budget."))
    if mode == "eur" and values.get("budget_eur") is None and "budget_eur" not in errors:
        errors["budget_eur"] = str(_l("Enter the budget, or choose another way to give the budget."))
    for name in ("time_limit_s", "price_index", "demand_growth", "mip_gap"):
        if values.get(name) is None and name not in errors:
            errors[name] = str(_l("This lever needs a value."))
    readable = {name: value for name, value in values.items() if name not in errors}
    for name, message in check_values(base, readable).items():
        errors.setdefault(name, message)
    current = base.model_dump()
    parameters = {name: value for name, value in values.items()
                  if name not in errors and _differs(value, current.get(name))}
    return FormState(text=text, parameters=parameters, errors=errors)


def _differs(value: Any, current: Any) -> bool:
    if isinstance(current, Objective):
        current = current.value
    if isinstance(value, float) and isinstance(current, int | float) and not isinstance(current, bool):
        return abs(value - float(current)) > 1e-12 * max(1.0, abs(value))
    return value != current


def check_values(base: Scenario, values: Mapping[str, Any]) -> dict[str, str]:
    """Messages per lever for values the model refuses (ranges of ``Scenario``)."""
    data = base.model_dump()
    data.update(values)
    try:
        Scenario.model_validate(data)
    except ValidationError as error:
        return refusals(error)
    return {}


def refusals(error: ValidationError) -> dict[str, str]:
    """A message per lever of a pydantic error of ``Scenario``."""
    messages: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "budget_mode"
        lever = BY_NAME.get(name)
        unit = lever.unit if lever else "number"
        context = item.get("ctx") or {}
        kind = item["type"]
        limits = {"greater_than_equal": ("ge", _l("At least %(limit)s.")),
                  "greater_than": ("gt", _l("More than %(limit)s.")),
                  "less_than_equal": ("le", _l("At most %(limit)s.")),
                  "less_than": ("lt", _l("Less than %(limit)s."))}
        if kind in limits:
            key, message = limits[kind]
            limit = show_number(context.get(key), unit, lang())
            messages.setdefault(name, str(message) % {"limit": limit + (" %" if unit == "percent" else "")})
        else:
            messages.setdefault(name, str(_l("This value is not allowed here.")))
    return messages
