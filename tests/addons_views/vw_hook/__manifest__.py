{
    "name": "Views test hooks",
    "version": "1.0",
    "summary": "Implements form_buttons, record_actions and the lifecycle hooks.",
    "depends": ["vw_base"],
}
