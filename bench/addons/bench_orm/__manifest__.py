{
    "name": "Benchmark ORM",
    "version": "0.1.0",
    "summary": "The partner model of ORM workload W (bench/orm_workload.py)",
    "depends": [],
    "license": "LGPL-3",
}
