"""/web/<model>: the window's records in one of its views (list, kanban, calendar,
graph, pivot), chosen by `?view=` or the action's first view type, with the search that
every view shares.

A view module registers its page function in VIEW_PAGES; the search bar, facets and the
view switcher come from `search_context` and the `search_bar.html` template.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.orm.domain_ops import AND
from core.web import calendar_view, graph, kanban, listing, pivot
from core.web.search import SearchState, SearchView, parse_search_view
from core.web.window import Window, resolve

# view type -> page function(page, window, context) -> response
VIEW_PAGES = {
    "list": listing.list_view,
    "graph": graph.graph_view,
    "pivot": pivot.pivot_view,
    "kanban": kanban.kanban_view,
    "calendar": calendar_view.calendar_view,
}


@dataclass
class SearchContext:
    """The search of a view page: the search view, its URL state, the full domain (the
    action's and the facets'), problems to show, and what the search bar needs."""

    window: Window
    search_view: SearchView
    state: SearchState
    domain: list
    problems: list[str]
    base: str
    view_type: str
    view_types: list[str]

    def template_values(self) -> dict:
        """What search_bar.html and the view switcher read."""
        model = self.window.model
        return {"window": self.window, "state": self.state, "search_view": self.search_view,
                "facets": self.state.facets(self.base, self.search_view, model),
                "problems": self.problems, "base": self.base,
                "group_options": [(g.group_by, g.label) for g in self.search_view.group_bys],
                "custom_groups": listing.custom_groups(model),
                "view_type": self.view_type, "view_links": self.view_links(),
                "title": self.window.title,
                "breadcrumbs": [{"label": self.window.title, "url": None}]}


    def view_links(self) -> list[tuple[str, str]]:
        """(view type, URL of the same search in that view) for the view switcher."""
        links = []
        for view_type in self.view_types:
            extra = {**self.state.extra, "view": view_type}
            links.append((view_type, f"{self.base}?{self.state.with_extra(extra).query()}"))
        return links


def view_page(page, model: str):
    """/web/<model>: the view asked for (or the action's first) with the URL's search."""
    window = resolve(page, model)
    available = [t for t in window.view_types if t in VIEW_PAGES] or ["list"]
    if "list" not in available:
        available.append("list")
    requested = page.request.args.get("view")
    view_type = requested if requested in VIEW_PAGES else available[0]
    if view_type not in available:
        available.append(view_type)
    context = search_context(page, window, view_type, available)
    if not isinstance(context, SearchContext):
        return context  # a redirect (the search box without JavaScript)
    return VIEW_PAGES[view_type](page, window, context)


def search_context(page, window: Window, view_type: str, view_types: list[str]):
    """The SearchContext of this request, or a redirect when the plain search form was
    submitted (q= and in= become a facet in the URL)."""
    records_model = window.model
    args = page.request.args
    search_view = parse_search_view(records_model, window.arch("search"))
    state = SearchState.from_args(args, search_view, window.context)
    typed = (args.get("q") or "").strip()
    if typed and search_view.fields:
        name = args.get("in") if any(f.name == args.get("in") for f in search_view.fields) \
            else search_view.fields[0].name
        query = state.query(searches=[*state.searches, (name, typed)], page=1)
        return page.redirect(f"/web/{records_model._name}?{query}")
    search_domain, problems = state.domain(page.env, records_model, search_view)
    return SearchContext(window, search_view, state, AND([window.domain, search_domain]),
                         problems, f"/web/{records_model._name}", view_type, view_types)
