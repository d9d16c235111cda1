"""The search view and the search state of a page, kept in the URL so that a search can
be bookmarked and shared.

URL parameters: `s=field:text` (search a field; several values of one field are OR-ed),
`f=filter` (named filters; filters between two separators are OR-ed, the rest AND-ed),
`g=field` or `g=field:month` (group by, in order), `o=field desc` (sort), `p=2` (page),
`open=<group key>` (expanded groups), `d=<JSON domain>` with its label `dl` (the records
a smart button opens). Without any of s/f/g (and without `clear`), the
action's `search_default_<filter>` context keys apply.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from lxml import etree

from core.exceptions import TesseraError, ValidationError
from core.orm.domain_ops import AND, OR
from core.views.safe_eval import literal_eval
from core.web.widgets import MAX_INTEGER

TEXT_TYPES = ("char", "text", "html", "many2one", "many2many", "one2many")
STATE_KEYS = ("s", "f", "g", "o", "p", "open", "clear", "action", "view")
MAX_PAGE = 10**6  # a bigger page number would overflow the databases' OFFSET
MAX_TERMS = 100  # terms of a `d=` domain (smart buttons make a few)


@dataclass
class SearchField:
    """A `<field>` of the search view: what the search box offers to search in."""

    name: str
    label: str
    type: str
    operator: str | None = None
    filter_domain: str | None = None


@dataclass
class Filter:
    """A named `<filter>`: a domain, or a group-by when its context says group_by."""

    name: str
    label: str
    domain: str | None = None
    group_by: str | None = None
    group: int = 0  # filters of the same group are OR-ed


@dataclass
class SearchView:
    """What the search arch declares."""

    fields: list[SearchField] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    group_bys: list[Filter] = field(default_factory=list)

    def filter(self, name: str) -> Filter | None:
        """The named filter (domain or group-by), or None."""
        return next((f for f in self.filters + self.group_bys if f.name == name), None)


def parse_search_view(model, arch: str) -> SearchView:
    """Read a search arch (already combined with its extensions)."""
    view = SearchView()
    root = etree.fromstring(arch.encode())
    group = 0
    for element in root.iter(etree.Element):
        if element is root:
            continue
        if element.tag in ("separator", "group"):
            group += 1
        elif element.tag == "field":
            name = element.get("name")
            model_field = model._fields.get(name)
            if model_field is None or element.get("invisible") == "1":
                continue
            view.fields.append(SearchField(
                name, element.get("string") or model_field.string, model_field.type,
                element.get("operator"), element.get("filter_domain")))
        elif element.tag == "filter" and element.get("name"):
            context = _literal(element.get("context") or "{}", {})
            label = element.get("string") or element.get("name")
            if isinstance(context, dict) and context.get("group_by"):
                view.group_bys.append(Filter(element.get("name"), label,
                                             group_by=str(context["group_by"])))
            else:
                view.filters.append(Filter(element.get("name"), label,
                                           element.get("domain") or "[]", group=group))
    return view


def _literal(text: str, default, variables=None):
    try:
        return literal_eval(text, FUNCTIONS, variables)
    except TesseraError:
        return default


def _days(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


# what a filter's domain may use besides literals (documented in docs/web.md)
FUNCTIONS = {"days_ago": lambda n: _days(-int(n)), "days_ahead": lambda n: _days(int(n))}


def domain_variables(env) -> dict:
    """Names a filter domain may use: uid, today, now."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    return {"uid": env.uid, "today": dt.date.today().isoformat(), "now": now.isoformat(" ")}


@dataclass
class Facet:
    """One removable chip of the search bar."""

    kind: str  # "search", "filter" or "group"
    label: str
    values: list[str]
    remove_url: str


@dataclass
class SearchState:
    """The search of one list page, read from the URL."""

    searches: list[tuple[str, str]]  # (field, text)
    filters: list[str]
    group_by: list[str]
    order: str | None
    page: int
    open_groups: list[str]
    extra: dict  # action, view

    @classmethod
    def from_args(cls, args, view: SearchView, action_context: dict) -> SearchState:
        """The state in the URL; the action's default filters when the URL has none."""
        searches = []
        for item in args.getlist("s"):
            name, sep, text = item.partition(":")
            if sep and text.strip():
                searches.append((name, text.strip()))
        filters = [f for f in args.getlist("f") if view.filter(f)]
        group_by = [g for g in args.getlist("g") if g]
        if not (searches or filters or group_by or args.get("clear")):
            for key, value in action_context.items():
                if key.startswith("search_default_") and value:
                    name = key[len("search_default_"):]
                    found = view.filter(name)
                    if found and found.group_by:
                        group_by.append(found.group_by)
                    elif found:
                        filters.append(name)
        try:
            page = min(max(1, int(args.get("p") or 1)), MAX_PAGE)
        except ValueError:
            page = 1
        return cls(searches, filters, group_by, args.get("o") or None, page,
                   args.getlist("open"), {k: args.get(k) for k in ("action", "view", "d", "dl")
                                          if args.get(k)})

    def with_extra(self, extra: dict) -> SearchState:
        """The same search on page 1 with other extra parameters (action, view, d, dl)."""
        return SearchState(self.searches, self.filters, self.group_by, self.order, 1,
                           self.open_groups, extra)

    # -- URLs -------------------------------------------------------------------------
    def query(self, **changes) -> str:
        """The query string of this state with `changes` (searches, filters, group_by,
        order, page, open_groups) applied."""
        values = {"searches": self.searches, "filters": self.filters,
                  "group_by": self.group_by, "order": self.order, "page": self.page,
                  "open_groups": self.open_groups, **changes}
        pairs = [(k, v) for k, v in self.extra.items()]
        pairs += [("s", f"{name}:{text}") for name, text in values["searches"]]
        pairs += [("f", name) for name in values["filters"]]
        pairs += [("g", name) for name in values["group_by"]]
        if values["order"]:
            pairs.append(("o", values["order"]))
        if values["page"] and values["page"] > 1:
            pairs.append(("p", values["page"]))
        pairs += [("open", key) for key in values["open_groups"]]
        if not (values["searches"] or values["filters"] or values["group_by"]):
            pairs.append(("clear", "1"))
        return urlencode(pairs)

    def facets(self, base: str, view: SearchView, model) -> list[Facet]:
        """The chips: one per searched field, one per group of filters, one for the
        group-bys; each with the URL that removes it."""
        facets = []
        if self.extra.get("d"):
            kept = {k: v for k, v in self.extra.items() if k not in ("d", "dl")}
            facets.append(Facet("related", "Related", [self.extra.get("dl") or "Selection"],
                                f"{base}?{self.with_extra(kept).query()}"))
        by_field: dict[str, list[str]] = {}
        for name, text in self.searches:
            by_field.setdefault(name, []).append(text)
        for name, texts in by_field.items():
            label = next((f.label for f in view.fields if f.name == name), None) or \
                (model._fields[name].string if name in model._fields else name)
            rest = [(n, t) for n, t in self.searches if n != name]
            facets.append(Facet("search", label, texts,
                                f"{base}?{self.query(searches=rest, page=1)}"))
        groups: dict[int, list[Filter]] = {}
        for name in self.filters:
            found = view.filter(name)
            groups.setdefault(found.group, []).append(found)
        for members in groups.values():
            names = {f.name for f in members}
            rest = [n for n in self.filters if n not in names]
            facets.append(Facet("filter", "Filter", [f.label for f in members],
                                f"{base}?{self.query(filters=rest, page=1)}"))
        if self.group_by:
            labels = [group_label(view, model, g) for g in self.group_by]
            facets.append(Facet("group", "Group by", labels,
                                f"{base}?{self.query(group_by=[], open_groups=[], page=1)}"))
        return facets

    # -- the domain -------------------------------------------------------------------
    def domain(self, env, model, view: SearchView) -> tuple[list, list[str]]:
        """The domain of the facets and filters, and the problems of facets that were
        left out (a word searched in a number field...)."""
        problems: list[str] = []
        parts = []
        if self.extra.get("d"):  # a smart button's records
            try:
                related = json.loads(self.extra["d"])
                if not _usable(related):
                    raise ValueError
                parts.append(related)
            except (ValueError, RecursionError):  # not JSON, or nested beyond reason
                problems.append("The link's filter cannot be read, so it was left out.")
        by_field: dict[str, list[str]] = {}
        for name, text in self.searches:
            by_field.setdefault(name, []).append(text)
        for name, texts in by_field.items():
            alternatives = []
            for text in texts:
                try:
                    alternatives.append(field_domain(model, view, name, text))
                except ValidationError as error:
                    problems.append(str(error))
            if alternatives:
                parts.append(OR(alternatives))
        variables = domain_variables(env)
        groups: dict[int, list[list]] = {}
        for name in self.filters:
            found = view.filter(name)
            try:
                domain = literal_eval(found.domain or "[]", FUNCTIONS, variables)
            except TesseraError as error:
                problems.append(f"Filter {found.label!r} is broken: {error}")
                continue
            groups.setdefault(found.group, []).append(list(domain))
        parts.extend(OR(domains) for domains in groups.values())
        return (AND(parts) if parts else []), problems


def _usable(domain) -> bool:
    """Whether a `d=` JSON value looks like a smart button's domain: a list of at most
    MAX_TERMS terms (operators, or leaves whose value may be a list of scalars) whose
    integers fit the databases' 64-bit integers. Anything else (deep nesting, long
    operator chains, huge numbers) is left out before it reaches the ORM."""

    def scalar(value) -> bool:
        return not isinstance(value, (list, dict)) and \
            (not isinstance(value, int) or abs(value) < 2**63)

    def term(item) -> bool:
        if not isinstance(item, list):
            return scalar(item)
        return all(scalar(v) or (isinstance(v, list) and all(map(scalar, v))) for v in item)

    return isinstance(domain, list) and len(domain) <= MAX_TERMS and all(map(term, domain))


def field_domain(model, view: SearchView, name: str, text: str) -> list:
    """The domain of searching `text` in field `name` (its filter_domain if the search
    view gives one)."""
    declared = next((f for f in view.fields if f.name == name), None)
    model_field = model._fields.get(name)
    if model_field is None or declared is None:
        raise ValidationError(f"The search view of {model._description or model._name} has "
                              f"no field {name!r} to search in.")
    if declared.filter_domain:
        return list(literal_eval(declared.filter_domain, FUNCTIONS, {"self": text}))
    kind = model_field.type
    operator = declared.operator
    if kind in TEXT_TYPES:
        return [(name, operator or "ilike", text)]
    if kind == "selection":
        options = model_field.get_selection(model)
        matches = [value for value, label in options
                   if text.lower() in str(label).lower() or text == str(value)]
        return [(name, "in", matches)]
    if kind in ("integer", "float", "monetary"):
        try:
            number = int(text) if kind == "integer" else float(text.replace(",", "."))
        except ValueError:
            raise ValidationError(f"{declared.label}: {text!r} is not a number, so it was "
                                  "not searched.") from None
        if kind == "integer" and abs(number) > MAX_INTEGER:
            raise ValidationError(f"{declared.label}: {text} is too big, so it was not "
                                  "searched.")
        return [(name, operator or "=", number)]
    if kind in ("date", "datetime"):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(f"{declared.label}: {text!r} is not a date (write it as "
                                  "2026-11-25), so it was not searched.") from None
        if kind == "date":
            return [(name, operator or "=", day.isoformat())]
        return [(name, ">=", f"{day} 00:00:00"), (name, "<", f"{day + dt.timedelta(1)} 00:00:00")]
    if kind == "boolean":
        truth = text.lower() in ("1", "yes", "true", "y")
        return [(name, "=", truth)]
    raise ValidationError(f"{declared.label} cannot be searched.")


def group_label(view: SearchView, model, spec: str) -> str:
    """How a group-by is named: the filter's label, else the field's label."""
    found = next((g for g in view.group_bys if g.group_by == spec), None)
    if found:
        return found.label
    name, _, period = spec.partition(":")
    model_field = model._fields.get(name)
    label = model_field.string if model_field else name
    return f"{label}: {period}" if period else label
