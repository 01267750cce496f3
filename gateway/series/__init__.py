"""Series: canonical events as InfluxDB points, batched, written, spooled on failure."""
