{
    "name": "Lifecycle side",
    "version": "1.0",
    "summary": "Independent of lc_base; lc_bridge joins the two.",
    "depends": [],
}
