{
    "name": "Lifecycle twin",
    "version": "1.0",
    "summary": "Declares lc.item.note exactly as lc_ext does: the column is shared.",
    "depends": ["lc_base"],
}
