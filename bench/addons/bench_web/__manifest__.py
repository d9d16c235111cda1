{
    "name": "Benchmark web client",
    "version": "0.1.0",
    "summary": "Partner-like records (many2one, many2many), orders with lines, and their "
               "list, form and search views, for the web client benchmark (bench/web.py)",
    "depends": ["base"],
    "data": ["security/access.csv", "views/views.xml"],
    "license": "LGPL-3",
}
