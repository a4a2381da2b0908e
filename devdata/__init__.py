"""Development and benchmark data: `manage.py generate_bench_data` (devdata/benchdata/). Not part
of the product: nothing in the other apps imports it."""
