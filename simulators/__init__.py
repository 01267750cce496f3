"""Device simulators: stand-ins for hardware in CI, benchmarks and the demo."""
