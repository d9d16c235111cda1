{
    "name": "Views test hooks, dependent",
    "version": "1.0",
    "summary": "Depends on vw_hook (and sorts before it by name) to check hook order.",
    "depends": ["vw_hook"],
}
