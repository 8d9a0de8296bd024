from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark harness: installed only by bench.settings, never in production."""

    name = "bench"
    label = "bench"
    verbose_name = "Benchmarks"
